package io.attache.dataplane.security;

import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.List;

/**
 * Who is on the other end of a downstream connection, as proven by its TLS client certificate. The
 * TLS termination code sets it on the connection channel once the handshake completes; the RBAC
 * filter, {@code x-forwarded-client-cert} and access logs read it. A plaintext connection, or one
 * whose client sent no certificate, is {@link #NONE}. It never carries anything the peer merely
 * claimed (a header, a SNI name): only what a verified certificate says.
 *
 * @param uriSans URI subject alternative names of the verified peer certificate (SPIFFE IDs)
 * @param dnsSans DNS subject alternative names of the verified peer certificate
 * @param subject the certificate's subject DN in RFC 2253 form, empty when none
 */
public record PeerIdentity(List<String> uriSans, List<String> dnsSans, String subject) {

  public static final PeerIdentity NONE = new PeerIdentity(List.of(), List.of(), "");

  private static final AttributeKey<PeerIdentity> ATTRIBUTE =
      AttributeKey.valueOf("attache.peerIdentity");

  public PeerIdentity {
    uriSans = List.copyOf(uriSans);
    dnsSans = List.copyOf(dnsSans);
  }

  /** True when a certificate was presented and verified. */
  public boolean authenticated() {
    return this != NONE && !(uriSans.isEmpty() && dnsSans.isEmpty() && subject.isEmpty());
  }

  /**
   * The principal name Envoy's RBAC {@code authenticated.principal_name} matches: the first URI
   * SAN, else the first DNS SAN, else the subject.
   */
  public String principalName() {
    if (!uriSans.isEmpty()) {
      return uriSans.get(0);
    }
    if (!dnsSans.isEmpty()) {
      return dnsSans.get(0);
    }
    return subject;
  }

  /** Records the identity on a downstream connection channel. */
  public static void set(Channel connection, PeerIdentity identity) {
    connection.attr(ATTRIBUTE).set(identity);
  }

  /**
   * The identity of the connection a channel belongs to; for an HTTP/2 stream channel that is its
   * parent connection.
   */
  public static PeerIdentity of(Channel channel) {
    for (Channel c = channel; c != null; c = c.parent()) {
      PeerIdentity identity = c.attr(ATTRIBUTE).get();
      if (identity != null) {
        return identity;
      }
    }
    return NONE;
  }
}
