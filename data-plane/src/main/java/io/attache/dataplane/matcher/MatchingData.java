package io.attache.dataplane.matcher;

/**
 * What a unified matcher's inputs read for one HTTP stream, as far as the stream has got: the
 * request headers once they arrived, the response headers once they arrived, null before. A
 * short-lived view; never copies headers.
 */
public interface MatchingData {
  /** The request headers (with pseudo-headers), or null before they arrived. */
  HeaderSource requestHeaders();

  /** The response headers (with {@code :status}), or null before they arrived. */
  HeaderSource responseHeaders();
}
