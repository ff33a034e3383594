package io.attache.dataplane.listenerfilter;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/**
 * {@code http_inspector}'s guess from the first bytes of a cleartext connection: the HTTP/2
 * connection preface means {@code h2c}; a request line {@code METHOD SP target SP HTTP/1.x CRLF}
 * means {@code http/1.1} or {@code http/1.0}; anything else is not HTTP. Reads without consuming.
 */
final class HttpInspection {
  static final int MAX_INSPECT = 64 * 1024;
  private static final byte[] PREFACE =
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  /** What the bytes so far say. */
  enum Outcome {
    HTTP10,
    HTTP11,
    H2C,
    NOT_HTTP,
    NEED_MORE
  }

  private HttpInspection() {}

  static Outcome inspect(ByteBuf in) {
    int start = in.readerIndex();
    int n = in.readableBytes();
    boolean prefaceSoFar = true;
    for (int i = 0; i < Math.min(n, PREFACE.length); i++) {
      if (in.getByte(start + i) != PREFACE[i]) {
        prefaceSoFar = false;
        break;
      }
    }
    if (prefaceSoFar) {
      return n >= PREFACE.length ? Outcome.H2C : Outcome.NEED_MORE;
    }
    // METHOD: one or more token characters, then a space.
    int i = 0;
    while (i < n && isTokenChar(in.getByte(start + i))) {
      i++;
    }
    if (i == n) {
      return n > MAX_INSPECT ? Outcome.NOT_HTTP : Outcome.NEED_MORE;
    }
    if (i == 0 || in.getByte(start + i) != ' ') {
      return Outcome.NOT_HTTP;
    }
    int lineEnd = -1;
    for (int j = i + 1; j < n; j++) {
      byte c = in.getByte(start + j);
      if (c == '\n') {
        lineEnd = j;
        break;
      }
    }
    if (lineEnd < 0) {
      return n > MAX_INSPECT ? Outcome.NOT_HTTP : Outcome.NEED_MORE;
    }
    int versionEnd = lineEnd;
    if (versionEnd > 0 && in.getByte(start + versionEnd - 1) == '\r') {
      versionEnd--;
    }
    String line = in.toString(start + i + 1, versionEnd - i - 1, StandardCharsets.US_ASCII);
    int lastSpace = line.lastIndexOf(' ');
    if (lastSpace <= 0) {
      return Outcome.NOT_HTTP;
    }
    return switch (line.substring(lastSpace + 1)) {
      case "HTTP/1.1" -> Outcome.HTTP11;
      case "HTTP/1.0" -> Outcome.HTTP10;
      default -> Outcome.NOT_HTTP;
    };
  }

  private static boolean isTokenChar(byte c) {
    return (c >= 'A' && c <= 'Z')
        || (c >= 'a' && c <= 'z')
        || (c >= '0' && c <= '9')
        || c == '-'
        || c == '_';
  }
}
