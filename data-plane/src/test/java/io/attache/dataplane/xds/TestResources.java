package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;

/** Small valid Envoy resources for the xds tests, built as a control plane would send them. */
final class TestResources {
  private TestResources() {}

  static ConfigSource ads(long initialFetchTimeoutSeconds) {
    return ConfigSource.newBuilder()
        .setAds(AggregatedConfigSource.getDefaultInstance())
        .setResourceApiVersion(ApiVersion.V3)
        .setInitialFetchTimeout(
            com.google.protobuf.Duration.newBuilder().setSeconds(initialFetchTimeoutSeconds))
        .build();
  }

  static Cluster edsCluster(String name) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(com.google.protobuf.Duration.newBuilder().setSeconds(1))
        .setEdsClusterConfig(Cluster.EdsClusterConfig.newBuilder().setEdsConfig(ads(5)))
        .build();
  }

  /** A cluster the proxy cannot run: MAGLEV is not implemented. */
  static Cluster maglevCluster(String name) {
    return edsCluster(name).toBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV).build();
  }

  static ClusterLoadAssignment endpoints(String clusterName, int port) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(clusterName)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(Endpoint.newBuilder().setAddress(address("127.0.0.1", port)))))
        .build();
  }

  static Listener rdsListener(String name, String routeConfigName) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix("ingress")
            .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(ads(5)))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setAddress(address("127.0.0.1", 10000))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  static RouteConfiguration routes(String name, String cluster) {
    return RouteConfiguration.newBuilder()
        .setName(name)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("all")
                .addDomains("*")
                .addRoutes(
                    Route.newBuilder()
                        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                        .setRoute(RouteAction.newBuilder().setCluster(cluster))))
        .build();
  }

  static Address address(String ip, int port) {
    return Address.newBuilder()
        .setSocketAddress(SocketAddress.newBuilder().setAddress(ip).setPortValue(port))
        .build();
  }

  /** The same bootstrap with one ADS cluster endpoint per port: several control-plane replicas. */
  static String bootstrapWithServers(String apiType, int... adsPorts) {
    String single = bootstrap(adsPorts[0], apiType);
    String endpoint = single.substring(single.indexOf("        - endpoint:"));
    StringBuilder endpoints = new StringBuilder();
    for (int port : adsPorts) {
      endpoints.append(endpoint.replace(Integer.toString(adsPorts[0]), Integer.toString(port)));
    }
    return single.substring(0, single.indexOf("        - endpoint:")) + endpoints;
  }

  static String bootstrap(int adsPort, String apiType) {
    return """
        node: { id: proxy-1, cluster: mesh }
        dynamic_resources:
          ads_config:
            api_type: %s
            transport_api_version: V3
            grpc_services: [ { envoy_grpc: { cluster_name: xds_cluster } } ]
          cds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 10s }
          lds_config: { ads: {}, resource_api_version: V3, initial_fetch_timeout: 10s }
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """
        .formatted(apiType, adsPort);
  }
}
