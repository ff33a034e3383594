package io.attache.dataplane.listener;

import io.attache.dataplane.proxy.ListenerContext;
import io.attache.dataplane.tcpproxy.TcpProxyFilter;
import io.attache.dataplane.tls.ServerTlsContext;
import java.util.Optional;

/**
 * One filter chain, running: its TLS termination and its terminal network filter — the HTTP
 * connection manager's shared stream state, or a {@code tcp_proxy}. Exactly one of {@link #http}
 * and {@link #tcpProxy} is present. Immutable; swapped with its listener's runtime.
 *
 * @param key what identifies the chain across config updates: its name, else its field path
 */
public record ChainRuntime(
    String key,
    Optional<ServerTlsContext> tls,
    Optional<ListenerContext> http,
    Optional<TcpProxyFilter> tcpProxy) {

  public static ChainRuntime http(FilterChainConfig config, ListenerContext context) {
    return new ChainRuntime(keyOf(config), context.tls(), Optional.of(context), Optional.empty());
  }

  public static ChainRuntime tcp(
      FilterChainConfig config, Optional<ServerTlsContext> tls, TcpProxyFilter filter) {
    return new ChainRuntime(keyOf(config), tls, Optional.empty(), Optional.of(filter));
  }

  static String keyOf(FilterChainConfig config) {
    return config.name().isEmpty() ? config.path() : config.name();
  }
}
