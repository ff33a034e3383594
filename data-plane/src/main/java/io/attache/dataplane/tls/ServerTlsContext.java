package io.attache.dataplane.tls;

import io.attache.dataplane.security.PeerIdentity;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslHandshakeCompletionEvent;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listener's TLS termination: the current server SslContext in an atomic reference, rebuilt when
 * a secret it uses changes, and the handshake step every new connection passes before the HTTP
 * connection manager sees a byte. After the handshake it records the verified peer as {@link
 * PeerIdentity} and {@link TlsSession} on the connection; a failed handshake (plaintext, no or bad
 * client certificate) closes the connection and is counted. Runs on the event loop; never blocks.
 */
public final class ServerTlsContext implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ServerTlsContext.class);

  private final DownstreamTlsConfig config;
  private final TlsStats stats;
  private final SecretBackedContext<SslContext> context;

  public ServerTlsContext(DownstreamTlsConfig config, SecretStore store, TlsStats stats) {
    this.config = config;
    this.stats = stats;
    CommonTlsConfig common = config.common();
    this.context =
        new SecretBackedContext<>(
            common,
            store,
            "listener TLS context",
            (certificate, validation) ->
                SslContexts.server(
                    certificate.orElseThrow(),
                    validation,
                    common.extraSanMatchers(),
                    config.requireClientCertificate(),
                    common.alpnProtocols(),
                    common.params(),
                    stats));
  }

  /**
   * Starts TLS on a new downstream connection; {@code onSecured} installs the HTTP codecs once the
   * handshake succeeded (the channel's auto-read is off again by then, as the HCM expects).
   */
  public void install(Channel ch, Consumer<Channel> onSecured) {
    SecretBackedContext.Current<SslContext> current = context.current();
    if (!current.ready()) {
      stats.connectionError.inc();
      log.debug("closing {}: TLS not ready, waiting for {}", ch, current.missing());
      ch.close();
      return;
    }
    SslHandler handler = current.context().newHandler(ch.alloc());
    ch.pipeline().addLast("tls", handler);
    ch.pipeline().addLast("tls-handshake", new Handshake(handler, onSecured));
    ch.config().setAutoRead(true); // until the handshake is done
  }

  /** Waits for the handshake, then records the peer and hands the connection to HTTP. */
  private final class Handshake extends ChannelInboundHandlerAdapter {
    private final SslHandler ssl;
    private final Consumer<Channel> onSecured;

    Handshake(SslHandler ssl, Consumer<Channel> onSecured) {
      this.ssl = ssl;
      this.onSecured = onSecured;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (!(evt instanceof SslHandshakeCompletionEvent done)) {
        super.userEventTriggered(ctx, evt);
        return;
      }
      if (!done.isSuccess()) {
        stats.connectionError.inc();
        if (config.requireClientCertificate() && noClientCertificate(done.cause())) {
          stats.failVerifyNoCert.inc();
        }
        log.debug("TLS handshake with {} failed: {}", ctx.channel().remoteAddress(), done.cause());
        ctx.close();
        return;
      }
      SSLSession session = ssl.engine().getSession();
      stats.handshake.inc();
      stats.negotiated(session.getProtocol(), session.getCipherSuite());
      List<X509Certificate> peerChain = peerChain(session);
      if (peerChain.isEmpty()) {
        stats.noCertificate.inc();
      }
      TlsSession.set(ctx.channel(), sessionOf(session, peerChain));
      ctx.pipeline().remove(this);
      ctx.channel().config().setAutoRead(false);
      onSecured.accept(ctx.channel());
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      // The handshake failure is counted above; anything else before HTTP ends the connection.
      ctx.close();
    }
  }

  private static boolean noClientCertificate(Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      String m = String.valueOf(t.getMessage()).toLowerCase();
      if (m.contains("empty client certificate chain") || m.contains("certificate_required")) {
        return true;
      }
    }
    return false;
  }

  private static List<X509Certificate> peerChain(SSLSession session) {
    try {
      List<X509Certificate> out = new ArrayList<>();
      for (Certificate c : session.getPeerCertificates()) {
        out.add((X509Certificate) c);
      }
      return out;
    } catch (SSLPeerUnverifiedException e) {
      return List.of();
    }
  }

  private static TlsSession sessionOf(SSLSession session, List<X509Certificate> peerChain) {
    List<String> local = new ArrayList<>();
    Certificate[] mine = session.getLocalCertificates();
    if (mine != null && mine.length > 0 && mine[0] instanceof X509Certificate leaf) {
      local.addAll(SanMatcher.sans(leaf, SanMatcher.SanType.URI));
    }
    PeerIdentity peer =
        peerChain.isEmpty()
            ? PeerIdentity.NONE
            : new PeerIdentity(
                SanMatcher.sans(peerChain.get(0), SanMatcher.SanType.URI),
                SanMatcher.sans(peerChain.get(0), SanMatcher.SanType.DNS),
                peerChain.get(0).getSubjectX500Principal().getName());
    return new TlsSession(peer, peerChain, local);
  }

  @Override
  public void close() {
    context.close();
  }
}
