package io.attache.dataplane.matcher;

/**
 * What a unified matcher's inputs read, as far as matching has got: for an HTTP stream the request
 * headers once they arrived, the response headers once they arrived, null before; for every stream
 * that has one (a connection choosing its filter chain, an HTTP stream, a UDP datagram), the
 * downstream connection's addresses and what its inspectors found. A short-lived view; never copies
 * headers.
 */
public interface MatchingData {
  /** The request headers (with pseudo-headers), or null before they arrived or when not HTTP. */
  HeaderSource requestHeaders();

  /** The response headers (with {@code :status}), or null before they arrived or when not HTTP. */
  HeaderSource responseHeaders();

  /** The request trailers once they arrived; null before, and for a request that has none. */
  default HeaderSource requestTrailers() {
    return null;
  }

  /** The response trailers once they arrived; null before, and for a response that has none. */
  default HeaderSource responseTrailers() {
    return null;
  }

  /** The downstream connection, for the network inputs; null where the user has none. */
  default ConnectionData connection() {
    return null;
  }
}
