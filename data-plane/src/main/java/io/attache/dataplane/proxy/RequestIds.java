package io.attache.dataplane.proxy;

import io.attache.dataplane.time.RandomSource;
import java.nio.charset.StandardCharsets;

/** Generates {@code x-request-id} values: RFC 4122 version-4 UUIDs from the injected source. */
public final class RequestIds {
  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  private RequestIds() {}

  public static String uuid4(RandomSource random) {
    long hi = (random.nextLong() & 0xffffffffffff0fffL) | 0x0000000000004000L;
    long lo = (random.nextLong() & 0x3fffffffffffffffL) | 0x8000000000000000L;
    // Latin-1 bytes become the String's own compact representation with one copy; a char[]
    // would be compressed to it first.
    byte[] out = new byte[36];
    int p = 0;
    for (int i = 0; i < 16; i++) {
      if (i == 4 || i == 6 || i == 8 || i == 10) {
        out[p++] = '-';
      }
      long word = i < 8 ? hi : lo;
      int b = (int) (word >>> (56 - 8 * (i % 8))) & 0xff;
      out[p++] = HEX[b >>> 4];
      out[p++] = HEX[b & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }
}
