package io.attache.dataplane.http2;

/**
 * Envoy's premature-reset rule for one HTTP/2 connection (the runtime keys {@code
 * overload.premature_reset_min_stream_lifetime_seconds}, 1, and {@code
 * overload.premature_reset_total_stream_count}, 500): a stream is premature when it ends within its
 * first second (counted in whole seconds, as Envoy does) without a response having been started;
 * the connection is closed once premature streams are at least half of 500 before 500 streams have
 * ended, or at least half of all streams after. This is what stops a rapid-reset client long before
 * Netty's count of RST_STREAM frames would, and it also counts streams the proxy reset because they
 * were malformed. Used on the connection's event loop only.
 */
final class PrematureResets {
  static final long MIN_STREAM_LIFETIME_SECONDS = 1;
  static final long TOTAL_STREAM_COUNT = 500;

  private long closed;
  private long premature;

  /**
   * A stream ended after {@code lifetimeNanos}; {@code responseStarted} when its response headers
   * went out. Returns true when the connection must now be closed.
   */
  boolean streamClosed(long lifetimeNanos, boolean responseStarted) {
    closed++;
    long seconds = lifetimeNanos / 1_000_000_000L;
    if (seconds <= MIN_STREAM_LIFETIME_SECONDS && !responseStarted) {
      premature++;
    }
    if (closed < TOTAL_STREAM_COUNT) {
      // Even if every later stream were fine, the limit would be reached: close now.
      return premature * 2 >= TOTAL_STREAM_COUNT;
    }
    return premature * 2 >= closed;
  }

  long premature() {
    return premature;
  }
}
