package io.attache.dataplane.security;

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
}
