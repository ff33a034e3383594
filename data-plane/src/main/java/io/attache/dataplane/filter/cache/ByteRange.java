package io.attache.dataplane.filter.cache;

/**
 * The one byte range of a request's {@code range} that a cache hit answers (Envoy's {@code
 * RangeUtils}, which parses at most one range): {@code bytes=first-last}, {@code bytes=first-} or
 * {@code bytes=-suffix}, adjusted to the stored body's length. Anything else (another unit, several
 * ranges, bad syntax) is no range at all and the whole response is served.
 *
 * @param begin first byte, inclusive
 * @param end last byte, exclusive
 */
record ByteRange(long begin, long end) {
  /** The request asks for bytes the body does not have: 416. */
  static final ByteRange UNSATISFIABLE = new ByteRange(-1, -1);

  /**
   * The range to serve of a body of {@code length} bytes: null for the whole body (no usable range,
   * or a range that covers it all), {@link #UNSATISFIABLE}, or the part.
   */
  static ByteRange of(String header, long length) {
    if (header == null || !header.startsWith("bytes=")) {
      return null;
    }
    String spec = header.substring("bytes=".length()).strip();
    int dash = spec.indexOf('-');
    if (dash < 0 || spec.indexOf(',') >= 0) {
      return null;
    }
    String first = spec.substring(0, dash).strip();
    String last = spec.substring(dash + 1).strip();
    long firstPos = digits(first);
    long lastPos = digits(last);
    if (first.isEmpty()) {
      if (lastPos < 0) {
        return null;
      }
      if (length == 0 || lastPos == 0) {
        return UNSATISFIABLE;
      }
      return lastPos >= length ? null : new ByteRange(length - lastPos, length);
    }
    if (firstPos < 0 || (!last.isEmpty() && (lastPos < 0 || lastPos < firstPos))) {
      return null;
    }
    if (length == 0 || firstPos >= length) {
      return UNSATISFIABLE;
    }
    long lastByte = last.isEmpty() ? Long.MAX_VALUE : lastPos;
    if (lastByte >= length - 1) {
      return firstPos == 0 ? null : new ByteRange(firstPos, length);
    }
    return new ByteRange(firstPos, lastByte + 1);
  }

  private static long digits(String s) {
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) < '0' || s.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(s);
  }

  long length() {
    return end - begin;
  }
}
