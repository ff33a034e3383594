package io.attache.dataplane.server;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.ArrayList;
import java.util.List;

/**
 * The route configurations written inline in a listener's HTTP connection managers ({@code
 * route_config}, not {@code rds}), which Envoy dumps as {@code
 * RoutesConfigDump.static_route_configs} whether the listener came from the bootstrap or from LDS.
 * Reads accepted protos only; never compiles or validates a route.
 */
final class InlineRouteConfigs {
  private InlineRouteConfigs() {}

  /** In filter-chain order, the default filter chain last. */
  static List<RouteConfiguration> of(Listener listener) {
    List<FilterChain> chains = new ArrayList<>(listener.getFilterChainsList());
    if (listener.hasDefaultFilterChain()) {
      chains.add(listener.getDefaultFilterChain());
    }
    List<RouteConfiguration> out = new ArrayList<>();
    for (FilterChain chain : chains) {
      for (Filter filter : chain.getFiltersList()) {
        Any config = filter.getTypedConfig();
        if (config.is(HttpConnectionManager.class)) {
          HttpConnectionManager hcm = unpack(config);
          if (hcm.hasRouteConfig()) {
            out.add(hcm.getRouteConfig());
          }
        }
      }
    }
    return out;
  }

  private static HttpConnectionManager unpack(Any config) {
    try {
      return config.unpack(HttpConnectionManager.class);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("an accepted listener's HCM always parses", e);
    }
  }
}
