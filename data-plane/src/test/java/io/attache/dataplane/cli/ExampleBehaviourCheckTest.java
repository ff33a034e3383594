package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How the census's behaviour check points an example at loopback: listeners and the admin on port
 * 0, every endpoint on a local upstream of the cluster's kind (TLS, HTTP/2, UDP), one request per
 * route it can derive (regexes, header and query matchers), TLS clients with the chain's SNI, ALPN
 * and a client certificate, and the reasons it gives for what it cannot run.
 */
class ExampleBehaviourCheckTest {
  @TempDir Path sandboxDir;

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
                      route:
                        cluster: service1
                        request_mirror_policies:
                        - cluster: service2
                        - cluster: service1
                          runtime_fraction: { default_value: { numerator: 0 } }
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

  /**
   * The shape of the TLS examples ({@code tls-sni}, {@code double-proxy}, the quick-start's
   * client-auth demo): a plain listener, chains chosen by SNI that terminate TLS (one requiring a
   * client certificate its sandbox CA signs, with a SAN matcher), a TLS-passthrough TCP chain, and
   * clusters that speak TLS upstream, one validating the sandbox CA and the name it is sent.
   */
  static final String TLS_FRONT_PROXY =
      """
      static_resources:
        listeners:
        - name: tls
          address: { socket_address: { address: 0.0.0.0, port_value: 10000 } }
          listener_filters:
          - name: envoy.filters.listener.tls_inspector
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
          filter_chains:
          - filter_chain_match: { server_names: [domain1.example.com] }
            filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: domain1
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      route: { cluster: validating }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                common_tls_context:
                  alpn_protocols: ["h2,http/1.1"]
                  tls_certificates:
                  - certificate_chain: { filename: certs/domain1.crt.pem }
                    private_key: { filename: certs/domain1.key.pem }
          - filter_chain_match: { server_names: ["*.mtls.example.com"] }
            filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: mtls
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      route: { cluster: plain_tls }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                require_client_certificate: true
                common_tls_context:
                  tls_certificates:
                  - certificate_chain: { filename: certs/servercert.pem }
                    private_key: { filename: certs/serverkey.pem }
                  validation_context:
                    trusted_ca: { filename: certs/cacert.pem }
                    match_typed_subject_alt_names:
                    - san_type: DNS
                      matcher: { exact: proxy-frontend.example.com }
          - filter_chain_match: { server_names: [passthrough.example.com] }
            filters:
            - name: envoy.filters.network.tcp_proxy
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                stat_prefix: passthrough
                cluster: passthrough
        - name: plain
          address: { socket_address: { address: 0.0.0.0, port_value: 8080 } }
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: plain
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/h2" }
                      route: { cluster: validating }
                    - match: { prefix: "/" }
                      route: { cluster: plain_tls }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        clusters:
        - name: validating
          type: STRICT_DNS
          typed_extension_protocol_options:
            envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
              "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
              explicit_http_config: { http2_protocol_options: {} }
          load_assignment:
            cluster_name: validating
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service-https, port_value: 443 } } }
          transport_socket:
            name: envoy.transport_sockets.tls
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              sni: backend.example.com
              common_tls_context:
                tls_certificates:
                - certificate_chain: { filename: certs/clientcert.pem }
                  private_key: { filename: certs/clientkey.pem }
                validation_context:
                  trusted_ca: { filename: certs/cacert.pem }
                  match_typed_subject_alt_names:
                  - san_type: DNS
                    matcher: { exact: backend.example.com }
        - name: plain_tls
          type: STRICT_DNS
          load_assignment:
            cluster_name: plain_tls
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service-https, port_value: 443 } } }
          transport_socket:
            name: envoy.transport_sockets.tls
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              common_tls_context:
                tls_params: { tls_minimum_protocol_version: TLSv1_3, tls_maximum_protocol_version: TLSv1_3 }
        - name: passthrough
          type: STRICT_DNS
          load_assignment:
            cluster_name: passthrough
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service-passthrough, port_value: 443 } } }
      """;

  /** The examples' {@code udp} sandbox: a UDP proxy to one cluster. */
  static final String UDP_PROXY =
      """
      static_resources:
        listeners:
        - name: listener_0
          address: { socket_address: { protocol: UDP, address: 0.0.0.0, port_value: 10000 } }
          listener_filters:
          - name: envoy.filters.udp_listener.udp_proxy
            typed_config:
              '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.UdpProxyConfig
              stat_prefix: service
              matcher:
                on_no_match:
                  action:
                    name: route
                    typed_config:
                      '@type': type.googleapis.com/envoy.extensions.filters.udp.udp_proxy.v3.Route
                      cluster: service_udp
        clusters:
        - name: service_udp
          type: STRICT_DNS
          load_assignment:
            cluster_name: service_udp
            endpoints:
            - lb_endpoints:
              - endpoint: { address: { socket_address: { address: service-udp, port_value: 5005 } } }
      """;

  private ExampleBehaviourCheck.Plan plan(
      String text, List<ExampleBehaviourCheck.LocalUpstream> upstreams) throws Exception {
    return ExampleBehaviourCheck.rewrite(
        ExampleBehaviourCheck.load(text), CensusSandbox.prepare(text, sandboxDir), upstreams);
  }

  private static void close(List<ExampleBehaviourCheck.LocalUpstream> upstreams)
      throws InterruptedException {
    for (ExampleBehaviourCheck.LocalUpstream u : upstreams) {
      u.close();
    }
  }

  @Test
  void listenersMoveToLoopbackEndpointsToLocalUpstreamsAndEachDerivableRouteGetsOneRequest()
      throws Exception {
    Map<String, Object> bootstrap = ExampleBehaviourCheck.load(FRONT_PROXY);
    List<ExampleBehaviourCheck.LocalUpstream> upstreams = new ArrayList<>();
    try {
      ExampleBehaviourCheck.Plan plan =
          ExampleBehaviourCheck.rewrite(
              bootstrap, CensusSandbox.prepare(FRONT_PROXY, sandboxDir), upstreams);
      String yaml = ExampleBehaviourCheck.dump(bootstrap);

      assertThat(upstreams)
          .extracting(ExampleBehaviourCheck.LocalUpstream::cluster)
          .containsExactly("service1", "service2");
      assertThat(yaml)
          .contains("address: 127.0.0.1")
          .contains("port_value: " + upstreams.get(0).port())
          .contains("port_value: " + upstreams.get(1).port())
          .doesNotContain("0.0.0.0")
          .doesNotContain("service1, port_value")
          .contains("name: census_listener_0")
          .doesNotContain("StdoutAccessLog")
          .contains("path: /dev/null");
      assertThat(plan.probes())
          .extracting(ExampleBehaviourCheck.Probe::describe)
          .containsExactly(
              "census_listener_0 census.example.com/service/1",
              "census_listener_0 census.example.com/exact {x-team=a}",
              "census_listener_0 census.example.com/r",
              "census_listener_0 census.example.com/q?x=census");
      assertThat(plan.probes().get(0).mirrors())
          .as("always mirrored; a runtime fraction may never fire, so it is not awaited")
          .containsExactly("service2");
      assertThat(plan.notProbed()).isEmpty();
    } finally {
      close(upstreams);
    }
  }

  @Test
  void tlsChainsAreReachedWithTheirSniAlpnAndAClientCertificateTheSandboxCaSigns()
      throws Exception {
    List<ExampleBehaviourCheck.LocalUpstream> upstreams = new ArrayList<>();
    try {
      ExampleBehaviourCheck.Plan plan = plan(TLS_FRONT_PROXY, upstreams);

      assertThat(plan.probes())
          .extracting(ExampleBehaviourCheck.Probe::describe)
          .containsExactly(
              "tls census.example/ (tls sni=domain1.example.com alpn=http/1.1)",
              "tls census.example/ (tls sni=census.mtls.example.com client-cert)",
              "tls (tcp) (tls sni=passthrough.example.com)",
              "plain census.example/h2",
              "plain census.example/");
      ExampleBehaviourCheck.ClientTls mtls = plan.probes().get(1).tls();
      assertThat(
              mtls.certificate().certificate().getSubjectAlternativeNames().stream()
                  .map(san -> String.valueOf(san.get(1)))
                  .toList())
          .containsExactly("proxy-frontend.example.com");
      assertThat(mtls.certificate().certificate().getIssuerX500Principal().getName())
          .contains("census sandbox CA");
      // Every cluster speaks TLS here: the two with a TLS transport socket, and the one the
      // passthrough chain hands the client's own TLS to.
      assertThat(upstreams).allSatisfy(u -> assertThat(u.http()).isNotNull());
    } finally {
      close(upstreams);
    }
  }

  @Test
  void aChainRequiringAClientCertificateFromACaTheSandboxDoesNotMakeIsNotProbedAndSaysWhy()
      throws Exception {
    List<ExampleBehaviourCheck.LocalUpstream> upstreams = new ArrayList<>();
    try {
      ExampleBehaviourCheck.Plan plan =
          plan(
              TLS_FRONT_PROXY.replace(
                  "trusted_ca: { filename: certs/cacert.pem }\n              match",
                  "trusted_ca: { filename: /etc/envoy/ca.pem }\n              match"),
              upstreams);

      assertThat(plan.notProbed())
          .containsExactly(
              "tls: requires a client certificate from a CA the sandbox does not provide");
      assertThat(plan.probes()).hasSize(4);
    } finally {
      close(upstreams);
    }
  }

  @Test
  void aUdpListenerGetsOneDatagramAndItsClusterAUdpEcho() throws Exception {
    List<ExampleBehaviourCheck.LocalUpstream> upstreams = new ArrayList<>();
    try {
      ExampleBehaviourCheck.Plan plan = plan(UDP_PROXY, upstreams);

      assertThat(plan.probes())
          .extracting(ExampleBehaviourCheck.Probe::describe)
          .containsExactly("listener_0 (udp)");
      assertThat(upstreams).singleElement().satisfies(u -> assertThat(u.udp()).isNotNull());
    } finally {
      close(upstreams);
    }
  }

  @Test
  void aRouteToAnOriginalDstClusterThatReadsAHeaderCarriesItsLocalUpstream() throws Exception {
    String text =
        FRONT_PROXY.replace(
            "  - name: service1\n    type: STRICT_DNS",
            "  - name: service1\n    type: ORIGINAL_DST\n    lb_policy: CLUSTER_PROVIDED\n"
                + "    original_dst_lb_config: { use_http_header: true }");
    assertThat(ExampleBehaviourCheck.blocker(ExampleBehaviourCheck.load(text))).isNull();
    List<ExampleBehaviourCheck.LocalUpstream> upstreams = new ArrayList<>();
    try {
      ExampleBehaviourCheck.Plan plan = plan(text, upstreams);

      assertThat(plan.probes().get(0).headers())
          .containsEntry("x-envoy-original-dst-host", "127.0.0.1:" + upstreams.get(0).port());
      assertThat(plan.probes().get(1).headers()).doesNotContainKey("x-envoy-original-dst-host");
    } finally {
      close(upstreams);
    }
  }

  @Test
  void aFileItCannotPointAtLocalUpstreamsSaysWhy() {
    assertThat(ExampleBehaviourCheck.blocker(ExampleBehaviourCheck.load(FRONT_PROXY))).isNull();
    assertThat(ExampleBehaviourCheck.blocker(ExampleBehaviourCheck.load(TLS_FRONT_PROXY))).isNull();
    assertThat(ExampleBehaviourCheck.blocker(ExampleBehaviourCheck.load(UDP_PROXY))).isNull();
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
        .startsWith("an ORIGINAL_DST cluster without use_http_header");
    assertThat(
            ExampleBehaviourCheck.blocker(
                ExampleBehaviourCheck.load(
                    TLS_FRONT_PROXY.replace(
                        "name: envoy.transport_sockets.tls\n      typed_config:\n        \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext\n        sni",
                        "name: envoy.transport_sockets.tap\n      typed_config:\n        \"@type\": type.googleapis.com/envoy.extensions.transport_sockets.tap.v3.Tap\n        sni"))))
        .isEqualTo("an upstream envoy.transport_sockets.tap transport socket");
  }

  @Test
  void wildcardDomainsAreFilledInAndMatchersGetAValueTheyAccept() {
    assertThat(ExampleBehaviourCheck.hostFor("*")).isEqualTo("census.example");
    assertThat(ExampleBehaviourCheck.hostFor("*.example.com")).isEqualTo("census.example.com");
    assertThat(ExampleBehaviourCheck.hostFor("api.*")).isEqualTo("api.census");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("prefix", ""))).isEqualTo("/");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("path", "/a"))).isEqualTo("/a");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("safe_regex", Map.of("regex", "/v[0-9]+/.*"))))
        .isEqualTo("/v0/");
    assertThat(ExampleBehaviourCheck.pathFor(Map.of("safe_regex", Map.of("regex", "(?i)/a"))))
        .isNull();
    assertThat(
            ExampleBehaviourCheck.headersFor(
                Map.of(
                    "headers",
                    List.of(
                        Map.of("name", "x-p", "string_match", Map.of("prefix", "v1")),
                        Map.of("name", "x-r", "safe_regex_match", Map.of("regex", "\\d{3}")),
                        Map.of("name", "x-absent", "present_match", false)))))
        .containsExactly(Map.entry("x-p", "v1census"), Map.entry("x-r", "111"));
    assertThat(
            ExampleBehaviourCheck.queryFor(
                Map.of(
                    "query_parameters",
                    List.of(
                        Map.of("name", "debug"),
                        Map.of("name", "v", "string_match", Map.of("exact", "2"))))))
        .isEqualTo("?debug=census&v=2");
  }

  @Test
  void simpleRe2PatternsGetASampleTheyMatchInFullAndOthersNone() {
    assertThat(RegexSample.of("/r.*")).isEqualTo("/r");
    assertThat(RegexSample.of("^/(cluster[\\d\\w-]+)/?.*$")).isEqualTo("/clustera");
    assertThat(RegexSample.of("https?://(www.)?envoyproxy.io/docs/envoy.*"))
        .isEqualTo("http://envoyproxy.io/docs/envoy");
    assertThat(RegexSample.of(".*\\.envoyproxy\\.io")).isEqualTo(".envoyproxy.io");
    assertThat(RegexSample.of("(foo|bar){2}")).isEqualTo("foofoo");
    assertThat(RegexSample.of("[^/]+/x")).isEqualTo("a/x");
    assertThat(RegexSample.of("a\\pLb")).isNull();
    assertThat(RegexSample.of("(unclosed")).isNull();
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
