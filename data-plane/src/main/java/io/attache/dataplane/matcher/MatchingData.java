package io.attache.dataplane.matcher;

import java.net.InetSocketAddress;

/**
 * What a unified matcher's inputs read, as far as the stream has got: for an HTTP stream the
 * request headers once they arrived, the response headers once they arrived (null before); for
 * every stream, HTTP or not (a UDP datagram, a TCP connection), the downstream's source and
 * destination addresses. A short-lived view; never copies headers.
 */
public interface MatchingData {
  /** The request headers (with pseudo-headers), or null before they arrived or when not HTTP. */
  HeaderSource requestHeaders();

  /** The response headers (with {@code :status}), or null before they arrived or when not HTTP. */
  HeaderSource responseHeaders();

  /** Where the downstream connection or datagram came from (Envoy's source), or null if unknown. */
  default InetSocketAddress sourceAddress() {
    return null;
  }

  /** Where it was addressed to: the listener's local address (Envoy's destination), or null. */
  default InetSocketAddress destinationAddress() {
    return null;
  }
}
