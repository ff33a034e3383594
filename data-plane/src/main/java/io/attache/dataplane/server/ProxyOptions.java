package io.attache.dataplane.server;

import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.XdsTransport;
import java.time.Duration;
import java.util.Objects;

/**
 * Process-level settings that do not come from the bootstrap (command-line flags), and what the
 * process injects into everything it builds: its time and randomness, and the transport of the ADS
 * client.
 *
 * @param concurrency worker event loops
 * @param drainTime how long SIGTERM waits for in-flight requests
 * @param time the ticker, wall clock and random source every component uses
 * @param xdsTransport opens the ADS channel
 */
public record ProxyOptions(
    int concurrency, Duration drainTime, TimeSources time, XdsTransport xdsTransport) {
  public ProxyOptions {
    Objects.requireNonNull(drainTime);
    Objects.requireNonNull(time);
    Objects.requireNonNull(xdsTransport);
  }

  /** The real clocks and randomness, and a plaintext ADS channel. */
  public ProxyOptions(int concurrency, Duration drainTime) {
    this(concurrency, drainTime, TimeSources.SYSTEM, XdsTransport.PLAINTEXT);
  }
}
