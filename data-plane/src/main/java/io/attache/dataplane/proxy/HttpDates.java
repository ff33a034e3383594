package io.attache.dataplane.proxy;

import io.netty.handler.codec.DateFormatter;
import java.util.Date;

/**
 * The {@code date} response header value, re-formatted at most once per second because formatting a
 * date per response is measurable on the hot path.
 */
final class HttpDates {
  private static volatile long cachedSecond;
  private static volatile String cached = "";

  private HttpDates() {}

  static String now() {
    long ms = System.currentTimeMillis();
    long second = ms / 1000;
    if (second != cachedSecond) {
      cached = DateFormatter.format(new Date(second * 1000));
      cachedSecond = second;
    }
    return cached;
  }
}
