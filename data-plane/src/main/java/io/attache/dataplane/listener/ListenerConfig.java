package io.attache.dataplane.listener;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.RouteConfigSource;
import io.attache.dataplane.tls.DownstreamTlsConfig;
import io.attache.dataplane.tls.TransportSockets;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.core.v3.TrafficDirection;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * One listener, parsed and validated once from Envoy's {@code Listener}: where it binds, the TLS it
 * terminates (if its filter chain has a {@code transport_socket}) and the HTTP connection manager
 * behind its single filter chain. Immutable.
 *
 * @param tls empty for a plaintext listener
 */
public record ListenerConfig(
    String name,
    InetSocketAddress address,
    HttpConnectionManagerConfig hcm,
    Optional<DownstreamTlsConfig> tls,
    Listener proto) {

  static final String HCM_TYPE =
      "type.googleapis.com/"
          + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  public static ListenerConfig from(Listener listener, String path) throws ConfigException {
    return from(listener, path, RouteConfigSource.NONE);
  }

  /** As above for a listener that arrived over LDS, its RDS route tables from {@code routes}. */
  public static ListenerConfig from(Listener listener, String path, RouteConfigSource routes)
      throws ConfigException {
    if (!listener.getAddress().hasSocketAddress()) {
      throw new ConfigException(path + ".address.socket_address", "is required");
    }
    InetSocketAddress address =
        socketAddress(listener.getAddress().getSocketAddress(), path + ".address.socket_address");
    String name =
        listener.getName().isEmpty()
            ? address.getHostString() + "_" + address.getPort()
            : listener.getName();
    if (listener.getFilterChainsCount() != 1) {
      throw new ConfigException(
          path + ".filter_chains",
          "exactly one filter chain is supported (found " + listener.getFilterChainsCount() + ")");
    }
    FilterChain chain = listener.getFilterChains(0);
    String chainPath = path + ".filter_chains[0]";
    if (chain.hasFilterChainMatch()) {
      throw new ConfigException(chainPath + ".filter_chain_match", "is not supported");
    }
    if (chain.getFiltersCount() != 1) {
      throw new ConfigException(
          chainPath + ".filters",
          "exactly one network filter (envoy.filters.network.http_connection_manager) is"
              + " supported");
    }
    Filter filter = chain.getFilters(0);
    String filterPath = chainPath + ".filters[0]";
    if (!filter.getTypedConfig().getTypeUrl().equals(HCM_TYPE)) {
      throw new ConfigException(
          filterPath + ".typed_config",
          "network filter "
              + filter.getName()
              + " is not supported; only the HTTP connection manager is");
    }
    HttpConnectionManagerConfig hcm =
        HttpConnectionManagerConfig.from(
            filter.getTypedConfig(),
            filterPath + ".typed_config",
            address.getPort(),
            listener.getTrafficDirection() == TrafficDirection.OUTBOUND
                ? OperationName.EGRESS
                : OperationName.INGRESS,
            routes);
    Optional<DownstreamTlsConfig> tls = TransportSockets.downstream(chain, chainPath);
    return new ListenerConfig(name, address, hcm, tls, listener);
  }

  static InetSocketAddress socketAddress(SocketAddress sa, String path) throws ConfigException {
    if (sa.getAddress().isEmpty()) {
      throw new ConfigException(path + ".address", "must not be empty");
    }
    if (sa.getPortSpecifierCase() == SocketAddress.PortSpecifierCase.NAMED_PORT) {
      throw new ConfigException(path + ".named_port", "is not supported");
    }
    if (sa.getPortValue() > 65535) {
      throw new ConfigException(path + ".port_value", "must be at most 65535");
    }
    if (sa.getProtocol() != SocketAddress.Protocol.TCP) {
      throw new ConfigException(path + ".protocol", "only TCP is supported");
    }
    return new InetSocketAddress(sa.getAddress(), sa.getPortValue());
  }
}
