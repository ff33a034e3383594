package io.attache.dataplane.matcher;

import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the network inputs of a unified matcher ({@code
 * envoy.extensions.matching.common_inputs.network.v3}) read of one downstream connection once its
 * listener filters are done: the addresses (as the PROXY protocol or {@code original_dst} left
 * them) and what the inspectors found. A read-only view; it must never change under a match.
 */
public interface ConnectionData {
  /** The destination the client connected to (the original destination once restored). */
  InetSocketAddress localAddress();

  /** The client's address (the PROXY protocol header's source when one was read). */
  InetSocketAddress remoteAddress();

  /** The directly connected peer, whatever a PROXY protocol header said. */
  InetSocketAddress directRemoteAddress();

  /** The TLS SNI, or empty. */
  String requestedServerName();

  /** {@code tls}, {@code raw_buffer}, or what another listener filter set. */
  String transportProtocol();

  /** The ALPN offers (TLS) or the HTTP version the inspector guessed; may be empty. */
  List<String> applicationProtocols();

  /**
   * A connection known only by its addresses (a UDP datagram's, or one no inspector looked at): no
   * server name, transport protocol or ALPN, and the peer is the direct peer.
   */
  static ConnectionData ofAddresses(InetSocketAddress local, InetSocketAddress remote) {
    return ofAddresses(local, remote, remote);
  }

  /**
   * As {@link #ofAddresses(InetSocketAddress, InetSocketAddress)}, for a connection whose client
   * address ({@code remote}, e.g. a PROXY protocol header's source) is not its socket peer ({@code
   * directRemote}).
   */
  static ConnectionData ofAddresses(
      InetSocketAddress local, InetSocketAddress remote, InetSocketAddress directRemote) {
    return new ConnectionData() {
      @Override
      public InetSocketAddress localAddress() {
        return local;
      }

      @Override
      public InetSocketAddress remoteAddress() {
        return remote;
      }

      @Override
      public InetSocketAddress directRemoteAddress() {
        return directRemote;
      }

      @Override
      public String requestedServerName() {
        return "";
      }

      @Override
      public String transportProtocol() {
        return "";
      }

      @Override
      public List<String> applicationProtocols() {
        return List.of();
      }
    };
  }
}
