package io.attache.controlplane;

import io.attache.controlplane.rest.AdminSecurity;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Where the control plane listens and keeps its data, how it debounces pushes, and who may use the
 * admin API over which transport. Immutable.
 */
public record ControlPlaneConfig(
    String xdsHost,
    int xdsPort,
    String httpHost,
    int httpPort,
    Path dataDir,
    Duration pushQuietPeriod,
    Duration pushMaxDelay,
    AdminSecurity adminSecurity) {

  /** An admin API without tokens or TLS, as before they existed (tests, local runs). */
  public ControlPlaneConfig(
      String xdsHost,
      int xdsPort,
      String httpHost,
      int httpPort,
      Path dataDir,
      Duration pushQuietPeriod,
      Duration pushMaxDelay) {
    this(
        xdsHost,
        xdsPort,
        httpHost,
        httpPort,
        dataDir,
        pushQuietPeriod,
        pushMaxDelay,
        AdminSecurity.NONE);
  }

  public static final Duration DEFAULT_QUIET_PERIOD = Duration.ofMillis(100);
  public static final Duration DEFAULT_MAX_DELAY = Duration.ofMillis(500);
}
