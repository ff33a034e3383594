package io.attache.controlplane.validate;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Each rule with the resource that a real Envoy 1.40 NACKed in RawResourceValidityIT. */
class EnvoyLoadRulesTest {

  private static final String ROUTER =
      "{\"name\": \"envoy.filters.http.router\", \"typed_config\": {\"@type\":"
          + " \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}";
  private static final String FAULT =
      "{\"name\": \"envoy.filters.http.fault\", \"typed_config\": {\"@type\":"
          + " \"type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault\"}}";

  @Test
  void aStaticClusterTakesOnlyIpAddresses() {
    assertThat(EnvoyLoadRules.cluster(cluster("STATIC", "backend.example")))
        .extracting(Violation::message)
        .singleElement()
        .asString()
        .startsWith("malformed IP address: backend.example");
    assertThat(EnvoyLoadRules.cluster(cluster("STRICT_DNS", "backend.example"))).isEmpty();
    assertThat(EnvoyLoadRules.cluster(cluster("STATIC", "::1"))).isEmpty();
  }

  @Test
  void aLogicalDnsClusterHasExactlyOneHost() {
    Cluster two =
        parse(
            """
            {"name": "c", "type": "LOGICAL_DNS", "load_assignment": {"cluster_name": "c",
              "endpoints": [{"lb_endpoints": [%s, %s]}]}}"""
                .formatted(endpoint("a.example"), endpoint("b.example")),
            Cluster.newBuilder());

    assertThat(EnvoyLoadRules.cluster(two))
        .containsExactly(
            new Violation(
                "load_assignment",
                "LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single"
                    + " lb_endpoint"));
  }

  @Test
  void onlyAnOriginalDstClusterProvidesItsLoadBalancer() {
    Cluster provided = cluster("STATIC", "127.0.0.1").toBuilder().setLbPolicyValue(6).build();
    Cluster originalDst =
        Cluster.newBuilder().setName("o").setType(Cluster.DiscoveryType.ORIGINAL_DST).build();

    assertThat(EnvoyLoadRules.cluster(provided))
        .extracting(Violation::field)
        .containsExactly("lb_policy");
    assertThat(EnvoyLoadRules.cluster(originalDst))
        .extracting(Violation::message)
        .containsExactly(
            "LB policy ROUND_ROBIN is not valid for Cluster type ORIGINAL_DST. Only"
                + " 'CLUSTER_PROVIDED' is allowed");
  }

  @Test
  void aRingNeedsItsMinimumBelowItsMaximum() {
    Cluster ring =
        parse(
            """
            {"name": "r", "type": "STRICT_DNS", "lb_policy": "RING_HASH",
             "ring_hash_lb_config": {"minimum_ring_size": 2048, "maximum_ring_size": 1024}}""",
            Cluster.newBuilder());

    assertThat(EnvoyLoadRules.cluster(ring))
        .containsExactly(
            new Violation(
                "ring_hash_lb_config", "minimum_ring_size (2048) > maximum_ring_size (1024)"));
  }

  @Test
  void edsEndpointsAreNeverResolved() {
    ClusterLoadAssignment cla =
        parse(
            "{\"cluster_name\": \"c\", \"endpoints\": [{\"lb_endpoints\": [%s]}]}"
                .formatted(endpoint("a|b")),
            ClusterLoadAssignment.newBuilder());

    assertThat(EnvoyLoadRules.endpoints(cla))
        .extracting(Violation::field)
        .containsExactly("endpoints[0].lb_endpoints[0].endpoint.address.socket_address.address");
  }

  @Test
  void domainsAreUniqueAcrossARouteTableWithOneCatchAll() {
    RouteConfiguration routes =
        parse(
            """
            {"name": "t", "virtual_hosts": [
              {"name": "a", "domains": ["a.example", "*"]},
              {"name": "b", "domains": ["A.example", "*"]}]}""",
            RouteConfiguration.newBuilder());

    assertThat(EnvoyLoadRules.routes(routes))
        .extracting(Violation::message)
        .containsExactly(
            "Only unique values for domains are permitted. Duplicate entry of domain a.example in"
                + " route t",
            "Only a single wildcard domain is permitted in route t");
  }

  @Test
  void routeRulesFollowEnvoy() {
    RouteConfiguration routes =
        parse(
            """
            {"name": "t", "virtual_hosts": [{"name": "a", "domains": ["a"], "routes": [
              {"match": {"safe_regex": {"regex": "/(?=x)"}}, "route": {"cluster": "c"}},
              {"match": {"prefix": "/"}, "request_headers_to_remove": [":authority"],
               "request_headers_to_add": [{"header": {"key": "Host", "value": "x"}}],
               "route": {"weighted_clusters": {"clusters": [{"name": "c", "weight": 0}]},
                         "retry_policy": {"retry_back_off": {"base_interval": "1s", "max_interval": "0.5s"}}}}]}]}""",
            RouteConfiguration.newBuilder());

    assertThat(EnvoyLoadRules.routes(routes))
        .extracting(Violation::field)
        .containsExactly(
            "virtual_hosts[0].routes[0].match.safe_regex.regex",
            "virtual_hosts[0].routes[1].request_headers_to_add[0].header.key",
            "virtual_hosts[0].routes[1].request_headers_to_remove[0]",
            "virtual_hosts[0].routes[1].route.retry_policy.retry_back_off.max_interval",
            "virtual_hosts[0].routes[1].route.weighted_clusters");
  }

  @Test
  void aListenerNeedsAFilterChainTheRouterLastAndKnownClustersInline() {
    Listener listener =
        parse(
            """
            {"name": "l", "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
             "filter_chains": [
               {"filters": [{"name": "hcm", "typed_config": {
                  "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
                  "stat_prefix": "p",
                  "route_config": {"name": "r", "virtual_hosts": [{"name": "v", "domains": ["*"],
                    "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "missing"}}]}]},
                  "http_filters": [%s, %s]}}]},
               {"transport_socket": {"name": "tls", "typed_config": {
                  "@type": "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext"}}}]}"""
                .formatted(ROUTER, FAULT),
            Listener.newBuilder());

    List<Violation> violations = EnvoyLoadRules.listener(listener, Set.of("known"));

    assertThat(violations)
        .extracting(Violation::message)
        .anyMatch(m -> m.startsWith("terminal filter named envoy.filters.http.router"))
        .anyMatch(m -> m.startsWith("non-terminal filter named envoy.filters.http.fault"))
        .anyMatch(m -> m.startsWith("route: unknown cluster 'missing'"))
        .anyMatch(m -> m.equals("No TLS certificates found for server context"));
    assertThat(EnvoyLoadRules.listener(Listener.newBuilder().setName("empty").build(), Set.of()))
        .extracting(Violation::message)
        .contains("no filter chains specified");
  }

  private static Cluster cluster(String type, String address) {
    return parse(
        """
        {"name": "c", "type": "%s", "load_assignment": {"cluster_name": "c",
          "endpoints": [{"lb_endpoints": [%s]}]}}"""
            .formatted(type, endpoint(address)),
        Cluster.newBuilder());
  }

  private static String endpoint(String address) {
    return "{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": \"%s\", \"port_value\": 80}}}}"
        .formatted(address);
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T parse(String json, Message.Builder builder) {
    try {
      JsonFormat.parser().usingTypeRegistry(EnvoyTypeRegistry.get()).merge(json, builder);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new IllegalArgumentException(e);
    }
    return (T) builder.build();
  }
}
