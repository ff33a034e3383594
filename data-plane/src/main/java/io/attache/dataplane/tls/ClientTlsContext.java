package io.attache.dataplane.tls;

import io.attache.dataplane.pool.UpstreamProtocol;
import io.attache.dataplane.pool.UpstreamTransport;
import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelPromise;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
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

  /** The material a context was built from, to skip rebuilds when nothing relevant changed. */
  private record Material(
      Optional<CertificateKeyPair> certificate, Optional<ValidationContext> validation) {}

  /** The current contexts, or why there are none (a named secret that has not arrived). */
  private record Built(
      Material material, Map<UpstreamProtocol, SslContext> contexts, String missing) {}

  private final UpstreamTlsConfig config;
  private final SecretStore store;
  private final TlsStats stats;
  private final AtomicReference<Built> current = new AtomicReference<>();
  private final SecretStore.Watch watch;

  public ClientTlsContext(UpstreamTlsConfig config, SecretStore store, TlsStats stats) {
    this.config = config;
    this.store = store;
    this.stats = stats;
    rebuild();
    this.watch = store.watch(this::rebuild);
  }

  private synchronized void rebuild() {
    CommonTlsConfig common = config.common();
    List<String> missing = new ArrayList<>();
    Optional<CertificateKeyPair> certificate = resolve(common.certificate(), missing);
    Optional<ValidationContext> validation = resolve(common.validation(), missing);
    Material material = new Material(certificate, validation);
    Built previous = current.get();
    if (previous != null && previous.material.equals(material) && previous.missing.isEmpty()) {
      return;
    }
    if (!missing.isEmpty()) {
      current.set(new Built(material, Map.of(), String.join(", ", missing)));
      return;
    }
    Map<UpstreamProtocol, SslContext> contexts = new EnumMap<>(UpstreamProtocol.class);
    try {
      for (UpstreamProtocol protocol : UpstreamProtocol.values()) {
        contexts.put(
            protocol,
            SslContexts.client(
                certificate,
                validation,
                common.extraSanMatchers(),
                alpnFor(protocol),
                common.params(),
                stats));
      }
    } catch (Exception e) {
      // Keep serving with the previous contexts: a secret that parsed but cannot build a context
      // (e.g. a key that does not fit the certificate) must not take the cluster down.
      log.warn("cannot build the upstream TLS context; keeping the previous one: {}", e.toString());
      if (previous == null) {
        current.set(new Built(material, Map.of(), "a usable certificate (" + e.getMessage() + ")"));
      }
      return;
    }
    current.set(new Built(material, contexts, ""));
  }

  private <T extends TlsSecret> Optional<T> resolve(
      Optional<SecretSource<T>> source, List<String> missing) {
    if (source.isEmpty()) {
      return Optional.empty();
    }
    Optional<T> value = source.get().resolve(store);
    if (value.isEmpty() && source.get() instanceof SecretSource.Named<T> named) {
      missing.add("secret '" + named.name() + "'" + (named.sds() ? " (SDS)" : ""));
    }
    return value;
  }

  /**
   * The ALPN offer on a connection of one protocol: the configured protocols that protocol can
   * speak (Envoy's codec is fixed by the cluster, ALPN only tells the server), else h2 for HTTP/2.
   */
  List<String> alpnFor(UpstreamProtocol protocol) {
    String wanted = protocol == UpstreamProtocol.HTTP2 ? "h2" : "http/1.1";
    List<String> configured = config.common().alpnProtocols();
    if (configured.isEmpty()) {
      return protocol == UpstreamProtocol.HTTP2 ? List.of("h2") : List.of();
    }
    return configured.contains(wanted) ? List.of(wanted) : List.of();
  }

  @Override
  public ChannelFuture secure(Channel ch, UpstreamProtocol protocol) {
    Built built = current.get();
    if (!built.missing.isEmpty()) {
      stats.connectionError.inc();
      return ch.newFailedFuture(
          new javax.net.ssl.SSLException("TLS not ready: waiting for " + built.missing));
    }
    SslContext context = built.contexts.get(protocol);
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
              if (selected != null && !selected.equals(wanted)) {
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
    watch.close();
  }
}
