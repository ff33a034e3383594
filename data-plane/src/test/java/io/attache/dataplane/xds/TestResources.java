package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ApiVersion;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.core.v3.DataSource;
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
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.GenericSecret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

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
    return hcmListener(
        name,
        10000,
        HttpConnectionManager.newBuilder()
            .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(ads(5))),
        List.of());
  }

  /**
   * {@link #rdsListener} with Attaché's service identity token filter before the router, signing
   * with the key in the SDS secret {@code signingKeySecret}.
   */
  static Listener svidListener(String name, String routeConfigName, String signingKeySecret) {
    return hcmListener(
        name,
        10000,
        HttpConnectionManager.newBuilder()
            .setRds(Rds.newBuilder().setRouteConfigName(routeConfigName).setConfigSource(ads(5))),
        List.of(svidFilter(signingKeySecret)));
  }

  /** Attaché's service identity token filter, signing with the key in SDS secret {@code key}. */
  static HttpFilter svidFilter(String key) {
    return HttpFilter.newBuilder()
        .setName("attache.filters.http.service_identity_token")
        .setTypedConfig(
            Any.pack(
                ServiceIdentityToken.newBuilder()
                    .setIssuer("spiffe://attache.test")
                    .setSubject("spiffe://attache.test/ns/default/sa/frontend")
                    .setSigningKeySdsSecretName(key)
                    .build()))
        .build();
  }

  /**
   * Listener {@code name} on 127.0.0.1:{@code port} whose one chain is {@code hcm} (stat prefix
   * {@code ingress}) running {@code filters} and then the router.
   */
  private static Listener hcmListener(
      String name, int port, HttpConnectionManager.Builder hcm, List<HttpFilter> filters) {
    hcm.setStatPrefix("ingress")
        .addAllHttpFilters(filters)
        .addHttpFilters(
            HttpFilter.newBuilder()
                .setName("envoy.filters.http.router")
                .setTypedConfig(Any.pack(Router.getDefaultInstance())));
    return Listener.newBuilder()
        .setName(name)
        .setAddress(address("127.0.0.1", port))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm.build()))))
        .build();
  }

  /** An SDS generic_secret, as a control plane delivers a signing key. */
  static Secret genericSecret(String name, String value) {
    return Secret.newBuilder()
        .setName(name)
        .setGenericSecret(
            GenericSecret.newBuilder().setSecret(DataSource.newBuilder().setInlineString(value)))
        .build();
  }

  /**
   * Listener {@code name} on 127.0.0.1, an ephemeral port, whose HCM (stat prefix {@code ingress})
   * runs {@code filters} and then the router over the inline {@code routes}.
   */
  static Listener inlineListener(String name, List<HttpFilter> filters, RouteConfiguration routes) {
    return hcmListener(name, 0, HttpConnectionManager.newBuilder().setRouteConfig(routes), filters);
  }

  /**
   * A bootstrap for Attaché and stock Envoy alike: LDS (only) over ADS from the server on {@code
   * adsPort}, a static cluster {@code backend} on {@code backendPort}, admin on an ephemeral port.
   * Stats flush every 299 s (Envoy's longest), so a gauge a test reads is current without a flush.
   */
  static String ldsBootstrap(int adsPort, int backendPort) {
    return """
        node: { id: proxy-1, cluster: mesh }
        stats_flush_interval: 299s
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services: [ { envoy_grpc: { cluster_name: xds_cluster } } ]
          lds_config: { ads: {}, resource_api_version: V3 }
        static_resources:
          clusters:
          - name: xds_cluster
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { http2_protocol_options: {} }
            load_assignment:
              cluster_name: xds_cluster
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
          - name: backend
            type: STATIC
            connect_timeout: 1s
            load_assignment:
              cluster_name: backend
              endpoints:
              - lb_endpoints:
                - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }
        """
        .formatted(adsPort, backendPort);
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
