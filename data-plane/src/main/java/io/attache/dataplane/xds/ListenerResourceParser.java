package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.listener.FilterChainConfig;
import io.attache.dataplane.listener.ListenerConfig;
import io.attache.dataplane.tls.DownstreamTlsConfig;
import io.attache.dataplane.tls.TransportSockets;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * LDS: validates a Listener with {@link ListenerConfig#from}. An HCM using {@code rds} has its
 * {@code rds} block checked here (an {@code ads} config source and a route_config_name) and stands
 * in an empty route table named after the route config, so everything else of the listener goes
 * through the data plane's parser unchanged; the route table itself is validated when its
 * RouteConfiguration arrives, and the proxy builds the listener with it when it applies the
 * snapshot. Never changes the resource it is given.
 */
final class ListenerResourceParser extends ResourceParser<Listener> {
  static final String HCM_TYPE_URL =
      "type.googleapis.com/"
          + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";

  ListenerResourceParser() {
    super(XdsResourceType.LISTENER, Listener.class, "listeners");
  }

  @Override
  String nameOf(Listener proto) {
    return proto.getName();
  }

  @Override
  List<Dependency> validate(Listener listener, String name, String path) throws ConfigException {
    List<Dependency> routes = new ArrayList<>();
    Listener.Builder adapted = listener.toBuilder();
    int chains = listener.getFilterChainsCount();
    for (int c = 0; c < chains + (listener.hasDefaultFilterChain() ? 1 : 0); c++) {
      boolean isDefault = c == chains;
      FilterChain chain =
          isDefault ? listener.getDefaultFilterChain() : listener.getFilterChains(c);
      String chainPath =
          isDefault ? path + ".default_filter_chain" : path + ".filter_chains[" + c + "]";
      for (int f = 0; f < chain.getFiltersCount(); f++) {
        Filter filter = chain.getFilters(f);
        if (!filter.getTypedConfig().getTypeUrl().equals(HCM_TYPE_URL)) {
          continue;
        }
        String hcmPath = chainPath + ".filters[" + f + "].typed_config";
        HttpConnectionManager hcm;
        try {
          hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException e) {
          throw new ConfigException(hcmPath, "not an HttpConnectionManager: " + e.getMessage());
        }
        routes.addAll(filterSecrets(hcm));
        if (!hcm.hasRds()) {
          continue;
        }
        Dependency route = rds(hcm, hcmPath);
        routes.add(route);
        HttpConnectionManager standIn =
            hcm.toBuilder()
                .clearRds()
                .setRouteConfig(RouteConfiguration.newBuilder().setName(route.name()))
                .build();
        (isDefault ? adapted.getDefaultFilterChainBuilder() : adapted.getFilterChainsBuilder(c))
            .getFiltersBuilder(f)
            .setTypedConfig(Any.pack(standIn));
      }
    }
    ListenerConfig config = ListenerConfig.from(adapted.build(), path);
    for (FilterChainConfig chain : config.allChains()) {
      routes.addAll(
          SecretResourceParser.dependencies(
              TransportSockets.sdsSecrets(chain.tls().map(DownstreamTlsConfig::common))));
    }
    return routes;
  }

  /**
   * The SDS secrets the HCM's HTTP filters read: the service identity token's signing key. The
   * listener waits for them as for its TLS secrets (Envoy's default initial_fetch_timeout).
   */
  private static List<Dependency> filterSecrets(HttpConnectionManager hcm) {
    List<Dependency> secrets = new ArrayList<>();
    for (HttpFilter filter : hcm.getHttpFiltersList()) {
      if (!filter.getTypedConfig().is(ServiceIdentityToken.class)) {
        continue;
      }
      try {
        String name =
            filter.getTypedConfig().unpack(ServiceIdentityToken.class).getSigningKeySdsSecretName();
        if (!name.isEmpty()) {
          secrets.add(
              new Dependency(
                  XdsResourceType.SECRET,
                  name,
                  XdsClientConfig.DEFAULT_INITIAL_FETCH_TIMEOUT,
                  "sds." + name + "."));
        }
      } catch (InvalidProtocolBufferException e) {
        // Not a ServiceIdentityToken after all: the filter's own parse refuses it with its path.
      }
    }
    return secrets;
  }

  private static Dependency rds(HttpConnectionManager hcm, String hcmPath) throws ConfigException {
    String rdsPath = hcmPath + ".rds";
    Rds rds = hcm.getRds();
    XdsClientConfig.onlyFields(
        rds, rdsPath, Set.of("config_source", "route_config_name"), Map.of());
    if (rds.getRouteConfigName().isEmpty()) {
      throw new ConfigException(rdsPath + ".route_config_name", "must not be empty");
    }
    if (!rds.hasConfigSource()) {
      throw new ConfigException(rdsPath + ".config_source", "is required");
    }
    Duration timeout =
        XdsClientConfig.adsConfigSource(rds.getConfigSource(), rdsPath + ".config_source");
    return new Dependency(
        XdsResourceType.ROUTE,
        rds.getRouteConfigName(),
        timeout,
        "http." + hcm.getStatPrefix() + ".rds." + rds.getRouteConfigName() + ".");
  }

  @Override
  boolean handledHere(String findingPath, String resourcePath) {
    return findingPath.endsWith(".typed_config.rds");
  }
}
