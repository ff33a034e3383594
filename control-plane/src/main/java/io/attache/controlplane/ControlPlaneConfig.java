package io.attache.controlplane;

import java.nio.file.Path;
import java.time.Duration;

/** Where the control plane listens and keeps its data, and how it debounces pushes. Immutable. */
public record ControlPlaneConfig(
    String xdsHost,
    int xdsPort,
    String httpHost,
    int httpPort,
    Path dataDir,
    Duration pushQuietPeriod,
    Duration pushMaxDelay) {

  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(500);
}
