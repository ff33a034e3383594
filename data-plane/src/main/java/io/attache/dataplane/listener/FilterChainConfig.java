package io.attache.dataplane.listener;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.RouteConfigSource;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.tcpproxy.TcpProxyConfig;
import io.attache.dataplane.tls.DownstreamTlsConfig;
import io.attache.dataplane.tls.TransportSockets;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import java.util.Optional;

/**
 * One filter chain of a listener, parsed once: the TLS it terminates (when it has a {@code
 * transport_socket}) and its terminal network filter — the HTTP connection manager or {@code
 * tcp_proxy}; exactly one of {@link #hcm} and {@link #tcpProxy} is present. Immutable.
 *
 * @param path the chain's field path, e.g. {@code static_resources.listeners[0].filter_chains[1]}
 */
public record FilterChainConfig(
    String name,
    String path,
    Optional<DownstreamTlsConfig> tls,
    Optional<HttpConnectionManagerConfig> hcm,
    Optional<TcpProxyConfig> tcpProxy,
    FilterChain proto) {

  static final String HCM_TYPE =
      "type.googleapis.com/"
          + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  static FilterChainConfig from(
      FilterChain chain,
      String path,
      int listenerPort,
      OperationName operation,
      RouteConfigSource routes,
      Runtime runtime)
      throws ConfigException {
    if (chain.getFiltersCount() != 1) {
      throw new ConfigException(
          path + ".filters",
          "exactly one network filter (http_connection_manager or tcp_proxy) is supported (found "
              + chain.getFiltersCount()
              + ")");
    }
    Filter filter = chain.getFilters(0);
    String filterPath = path + ".filters[0]";
    if (filter.hasConfigDiscovery()) {
      throw new ConfigException(
          filterPath + ".config_discovery", "extension config discovery is not supported");
    }
    String typeUrl = filter.getTypedConfig().getTypeUrl();
    Optional<HttpConnectionManagerConfig> hcm = Optional.empty();
    Optional<TcpProxyConfig> tcpProxy = Optional.empty();
    if (typeUrl.equals(HCM_TYPE)) {
      hcm =
          Optional.of(
              HttpConnectionManagerConfig.from(
                  filter.getTypedConfig(),
                  filterPath + ".typed_config",
                  listenerPort,
                  operation,
                  routes,
                  runtime));
    } else if (typeUrl.equals(TcpProxyConfig.TYPE_URL)) {
      tcpProxy =
          Optional.of(TcpProxyConfig.from(filter.getTypedConfig(), filterPath + ".typed_config"));
    } else {
      throw new ConfigException(
          filterPath + ".typed_config",
          "network filter "
              + (filter.getName().isEmpty() ? typeUrl : filter.getName())
              + " is not supported; only http_connection_manager and tcp_proxy are");
    }
    Optional<DownstreamTlsConfig> tls = TransportSockets.downstream(chain, path);
    return new FilterChainConfig(chain.getName(), path, tls, hcm, tcpProxy, chain);
  }

  /** The field path of the access logs of its terminal filter. */
  public String accessLogPath() {
    return path + ".filters[0].typed_config.access_log";
  }
}
