package io.attache.dataplane.time;

import java.time.Clock;
import java.util.Objects;

/**
 * The proxy's sources of elapsed time, wall-clock time and randomness, handed down from {@code
 * ProxyServer} to everything it builds (listeners, filters, clusters, outlier detection, the ADS
 * client) so a test can run the whole proxy on a ticker it advances and a seeded random. Immutable.
 */
public record TimeSources(Ticker ticker, Clock clock, RandomSource random) {
  /** The real ones: {@link System#nanoTime()}, UTC wall clock, thread-local random. */
  public static final TimeSources SYSTEM =
      new TimeSources(Ticker.SYSTEM, Clock.systemUTC(), RandomSource.SYSTEM);

  public TimeSources {
    Objects.requireNonNull(ticker);
    Objects.requireNonNull(clock);
    Objects.requireNonNull(random);
  }
}
