package io.attache.dataplane.proxy;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/**
 * The {@code date} response header value, re-formatted at most once per second because formatting a
 * date per response is measurable on the hot path.
 */
final class HttpDates {
  /** One immutable pair, so event loops racing on a new second never mix second and text. */
  private record Cached(long second, String text) {}

  private static volatile Cached cached = new Cached(-1, "");

  private HttpDates() {}

  /** The header value for {@code epochMillis}, from the injected clock. */
  static String format(long epochMillis) {
    long second = epochMillis / 1000;
    Cached c = cached;
    if (c.second() != second) {
      c = new Cached(second, DateFormatter.format(new Date(second * 1000)));
      cached = c;
    }
    return c.text();
  }
}
