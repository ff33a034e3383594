package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.TestHttpServer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How the census's behaviour check points an example at loopback: listeners and the admin on port
 * 0, every endpoint on a local upstream of the cluster's protocol, one request per route it can
 * build, and the reasons it gives for a file it cannot run.
 */
class ExampleBehaviourCheckTest {
  static final String FRONT_PROXY =
      """
      static_resources:
        listeners:
        - address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: ingress
                access_log:
                - name: envoy.access_loggers.stdout
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog
                route_config:
                  virtual_hosts:
                  - name: backend
                    domains: ["*.example.com"]
                    routes:
                    - match: { prefix: "/service/1" }
                      route: { cluster: service1 }
                    - match: { path: "/exact", headers: [{ name: x-team, string_match: { exact: a } }] }
                      route: { cluster: service2 }
                    - match: { safe_regex: { regex: "/r.*" } }
                      route: { cluster: service2 }
                    - match: { prefix: "/q", query_parameters: [{ name: x }] }
                      route: { cluster: service2 }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        clusters:
        - name: service1
          type: STRICT_DNS
          load_assignment:
            cluster_name: service1
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service1, port_value: 8000 } } }
        - name: service2
          type: STRICT_DNS
          typed_extension_protocol_options:
            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
              explicit_http_config: { http2_protocol_options: {} }
          load_assignment:
            cluster_name: service2
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service2, port_value: 8000 } } }
      """;

  @Test
  void listenersMoveToLoopbackEndpointsToLocalUpstreamsAndEachPlainRouteGetsOneRequest() {
    Map<String, Object> bootstrap = ExampleBehaviourCheck.load(FRONT_PROXY);
    List<TestHttpServer> upstreams = new ArrayList<>();
    List<String> names = new ArrayList<>();
    try {
      List<ExampleBehaviourCheck.Probe> probes =
          ExampleBehaviourCheck.rewrite(bootstrap, upstreams, names);
      String yaml = ExampleBehaviourCheck.dump(bootstrap);

      assertThat(names).containsExactly("service1", "service2");
      assertThat(yaml)
          .contains("address: 127.0.0.1")
          .contains("port_value: " + upstreams.get(0).port())
          .contains("port_value: " + upstreams.get(1).port())
          .doesNotContain("0.0.0.0")
          .doesNotContain("service1, port_value")
          .contains("name: census_listener_0")
          .doesNotContain("StdoutAccessLog")
          .contains("path: /dev/null");
      assertThat(probes)
          .extracting(ExampleBehaviourCheck.Probe::describe)
          .containsExactly(
              "census_listener_0 census.example.com/service/1",
              "census_listener_0 census.example.com/exact {x-team=a}");
    } finally {
      upstreams.forEach(TestHttpServer::close);
    }
  }

  @Test
  void aFileItCannotPointAtLocalUpstreamsSaysWhy() {
    assertThat(ExampleBehaviourCheck.blocker(ExampleBehaviourCheck.load(FRONT_PROXY))).isNull();
    assertThat(
            ExampleBehaviourCheck.blocker(
                ExampleBehaviourCheck.load(
                    "dynamic_resources: { ads_config: { api_type: GRPC } }\n")))
        .startsWith("dynamic resources");
    assertThat(
            ExampleBehaviourCheck.blocker(
                ExampleBehaviourCheck.load(
                    FRONT_PROXY.replace(
                        "  - name: service1\n    type: STRICT_DNS",
                        "  - name: service1\n    type: ORIGINAL_DST"))))
        .isEqualTo("a ORIGINAL_DST cluster");
  }

  @Test
  void wildcardDomainsAreFilledInAndMatchedPathsUsedAsTheyAre() {
    assertThat(ExampleBehaviourCheck.hostFor("*")).isEqualTo("census.example");
    assertThat(ExampleBehaviourCheck.hostFor("*.example.com")).isEqualTo("census.example.com");
    assertThat(ExampleBehaviourCheck.hostFor("api.*")).isEqualTo("api.census");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("prefix", ""))).isEqualTo("/");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("path", "/a"))).isEqualTo("/a");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("safe_regex", Map.of()))).isNull();
  }

  @Test
  void observationsThatDifferAreListedFieldByFieldAndEqualOnesAreNot() {
    ExampleBehaviourCheck.Observation attache =
        new ExampleBehaviourCheck.Observation(
            200, Map.of("server", "envoy"), "b", "s1", "s1: GET /", Map.of("s1 x-a", "1"));
    ExampleBehaviourCheck.Observation envoy =
        new ExampleBehaviourCheck.Observation(
            503, Map.of("server", "envoy"), "b", "s1", "s1: GET /", Map.of("s1 x-a", "2"));

    assertThat(ExampleBehaviourCheck.compare(attache, attache)).isNull();
    assertThat(ExampleBehaviourCheck.compare(attache, envoy))
        .isEqualTo("status 200 vs Envoy's 503; upstream header s1 x-a: 1 vs Envoy's 2");
  }
}
