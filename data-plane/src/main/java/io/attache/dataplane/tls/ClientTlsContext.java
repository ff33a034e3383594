package io.attache.dataplane.tls;

import io.attache.dataplane.pool.UpstreamProtocol;
import io.attache.dataplane.pool.UpstreamTransport;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster's upstream TLS: one SslContext per upstream protocol (their ALPN offers differ), held
 * in an atomic reference and rebuilt when a secret it uses changes. New connections handshake with
 * the current context; established ones keep the one they started with. {@link #secure} runs on the
 * connection's event loop and never blocks; rebuilding runs on the secret writer's thread.
 */
public final class ClientTlsContext implements UpstreamTransport, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClientTlsContext.class);

  private final UpstreamTlsConfig config;
  private final TlsStats stats;
  private final SecretBackedContext<Map<UpstreamProtocol, SslContext>> contexts;

  public ClientTlsContext(UpstreamTlsConfig config, SecretStore store, TlsStats stats) {
    this.config = config;
    this.stats = stats;
    CommonTlsConfig common = config.common();
    this.contexts =
        new SecretBackedContext<>(
            common,
            store,
            "upstream TLS context",
            (certificate, validation) -> {
              Map<UpstreamProtocol, SslContext> byProtocol = new EnumMap<>(UpstreamProtocol.class);
              for (UpstreamProtocol protocol : UpstreamProtocol.values()) {
                byProtocol.put(
                    protocol,
                    SslContexts.client(
                        certificate,
                        validation,
                        common.extraSanMatchers(),
                        alpnFor(protocol),
                        common.params(),
                        stats));
              }
              return byProtocol;
            });
  }

  /**
   * The ALPN offer on a connection of one protocol: the configured protocols that protocol can
   * speak (Envoy's codec is fixed by the cluster, ALPN only tells the server), else h2 for HTTP/2.
   */
  List<String> alpnFor(UpstreamProtocol protocol) {
    if (protocol == UpstreamProtocol.TCP) {
      return config.common().alpnProtocols(); // raw bytes: the server's pick binds nothing here
    }
    String wanted = protocol == UpstreamProtocol.HTTP2 ? "h2" : "http/1.1";
    List<String> configured = config.common().alpnProtocols();
    if (configured.isEmpty()) {
      return protocol == UpstreamProtocol.HTTP2 ? List.of("h2") : List.of();
    }
    return configured.contains(wanted) ? List.of(wanted) : List.of();
  }

  @Override
  public ChannelFuture secure(Channel ch, UpstreamProtocol protocol) {
    SecretBackedContext.Current<Map<UpstreamProtocol, SslContext>> current = contexts.current();
    if (!current.ready()) {
      stats.connectionError.inc();
      return ch.newFailedFuture(
          new javax.net.ssl.SSLException("TLS not ready: waiting for " + current.missing()));
    }
    SslContext context = current.context().get(protocol);
    SslHandler handler = context.newHandler(ch.alloc());
    SSLEngine engine = handler.engine();
    if (!config.sni().isEmpty()) {
      SSLParameters parameters = engine.getSSLParameters();
      parameters.setServerNames(List.of(new SNIHostName(config.sni())));
      engine.setSSLParameters(parameters);
    }
    boolean autoRead = ch.config().isAutoRead();
    ch.config().setAutoRead(true); // the handshake must read whatever the pool's setting
    ch.pipeline().addFirst("tls", handler);
    ChannelPromise ready = ch.newPromise();
    handler
        .handshakeFuture()
        .addListener(
            f -> {
              ch.config().setAutoRead(autoRead);
              if (!f.isSuccess()) {
                stats.connectionError.inc();
                log.debug("upstream TLS handshake on {} failed", ch, f.cause());
                ready.tryFailure(f.cause());
                return;
              }
              stats.handshake.inc();
              stats.negotiated(
                  engine.getSession().getProtocol(), engine.getSession().getCipherSuite());
              String selected = handler.applicationProtocol();
              String wanted = protocol == UpstreamProtocol.HTTP2 ? "h2" : "http/1.1";
              if (protocol != UpstreamProtocol.TCP
                  && selected != null
                  && !selected.equals(wanted)) {
                stats.connectionError.inc();
                ch.close();
                ready.tryFailure(
                    new javax.net.ssl.SSLException(
                        "ALPN selected " + selected + " but the cluster speaks " + wanted));
                return;
              }
              ready.trySuccess();
            });
    return ready;
  }

  @Override
  public void close() {
    contexts.close();
  }
}
