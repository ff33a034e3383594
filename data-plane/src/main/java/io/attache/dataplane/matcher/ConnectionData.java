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
}
