package io.attache.dataplane.filter;

import io.attache.dataplane.security.PeerIdentity;
import io.attache.dataplane.tls.TlsSession;
import java.net.InetSocketAddress;

/** The downstream connection a stream arrived on, as filters may see it. Read-only. */
public interface DownstreamConnection {
  /** {@code HTTP/1.1}, {@code HTTP/1.0} or {@code HTTP/2}, as access logs print it. */
  String protocol();

  /** The TLS session of the downstream connection; {@link TlsSession#NONE} for plaintext. */
  TlsSession tls();

  /** {@code https} on a TLS connection, {@code http} otherwise. */
  default String scheme() {
    return tls().secure() ? "https" : "http";
  }

  /** The client's address: a PROXY protocol header's source when the listener read one. */
  InetSocketAddress remoteAddress();

  /** The directly connected peer, whatever a PROXY protocol header said. */
  default InetSocketAddress directRemoteAddress() {
    return remoteAddress();
  }

  /**
   * The address the client connected to: the original destination when {@code original_dst}
   * restored it.
   */
  InetSocketAddress localAddress();

  /** Whether {@link #localAddress} is the original destination {@code original_dst} restored. */
  default boolean localAddressRestored() {
    return false;
  }

  /** The verified TLS identity of the downstream connection; {@link PeerIdentity#NONE} if none. */
  default PeerIdentity peerIdentity() {
    return tls().peer();
  }

  default boolean http2() {
    return "HTTP/2".equals(protocol());
  }
}
