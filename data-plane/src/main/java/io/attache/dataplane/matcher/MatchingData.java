package io.attache.dataplane.matcher;

/**
 * What a unified matcher's inputs read, as far as matching has got: for an HTTP stream the request
 * headers once they arrived, the response headers once they arrived, null before; for a
 * connection's filter chain choice, the connection. A short-lived view; never copies headers.
 */
public interface MatchingData {
  /** The request headers (with pseudo-headers), or null before they arrived. */
  HeaderSource requestHeaders();

  /** The response headers (with {@code :status}), or null before they arrived. */
  HeaderSource responseHeaders();

  /** The downstream connection, for the network inputs; null where the user has none. */
  default ConnectionData connection() {
    return null;
  }
}
