package io.attache.dataplane.tls;

import io.attache.dataplane.security.PeerIdentity;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The TLS facts of one downstream connection that request handling needs beyond the {@link
 * PeerIdentity}: the verified peer chain (for {@code x-forwarded-client-cert} Hash/Cert/Chain) and
 * the URI SANs of the certificate this proxy presented (the XFCC {@code By}). Set once after the
 * handshake; {@link #NONE} on plaintext connections. Immutable.
 */
public record TlsSession(
    PeerIdentity peer, List<X509Certificate> peerChain, List<String> localUriSans) {

  public static final TlsSession NONE = new TlsSession(PeerIdentity.NONE, List.of(), List.of());

  private static final AttributeKey<TlsSession> ATTRIBUTE =
      AttributeKey.valueOf("attache.tlsSession");

  public TlsSession {
    peerChain = List.copyOf(peerChain);
    localUriSans = List.copyOf(localUriSans);
  }

  /** Whether the connection is TLS at all. */
  public boolean secure() {
    return this != NONE;
  }

  /** Whether the peer presented a certificate that was verified (mutual TLS). */
  public boolean mutual() {
    return !peerChain.isEmpty();
  }

  /** Records the session on a downstream connection: TLS termination does, after the handshake. */
  public static void set(Channel connection, TlsSession session) {
    connection.attr(ATTRIBUTE).set(session);
  }

  /** The session of the connection a channel (or HTTP/2 stream channel) belongs to. */
  public static TlsSession of(Channel channel) {
    for (Channel c = channel; c != null; c = c.parent()) {
      TlsSession s = c.attr(ATTRIBUTE).get();
      if (s != null) {
        return s;
      }
    }
    return NONE;
  }
}
