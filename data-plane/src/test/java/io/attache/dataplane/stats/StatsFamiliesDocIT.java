package io.attache.dataplane.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * docs/data-plane.md's table of stat families is what the proxy emits: a proxy with two HTTP
 * listeners (health_check, cors, rbac with shadow rules, buffer, compressor, decompressor, fault
 * and local_ratelimit; a retry, a 5xx, a TLS upstream) and a tcp_proxy listener is driven through
 * traffic, then every stat name it holds must match a row of the same type, and every row must be
 * matched by some name or be listed in {@link #REACHED_ELSEWHERE} with the test that reaches it.
 */
class StatsFamiliesDocIT {
  private static final Path DOC = Path.of("..", "docs", "data-plane.md");
  private static final String TABLE_HEADER = "| Stat family | Type | Counts |";
  private static final Path TESTS = Path.of("src", "test", "java");

  /**
   * Rows this proxy's traffic cannot reach (they need ADS, a drain, an outlier ejection, ...), with
   * the test (path under src/test/java) that drives and names them.
   */
  private static final Map<String, String> REACHED_ELSEWHERE =
      Map.ofEntries(
          Map.entry(
              "cluster_manager.cds.{update_attempt,update_success,update_rejected,update_failure,"
                  + "update_empty,init_fetch_timeout}",
              "io/attache/dataplane/xds/AdsClientTest.java"),
          Map.entry(
              "listener_manager.lds.{update_attempt,update_success,update_rejected,update_failure,"
                  + "update_empty,init_fetch_timeout}",
              "io/attache/dataplane/xds/AdsClientTest.java"),
          Map.entry(
              "http.<prefix>.rds.<route_config>.{update_attempt,update_success,update_rejected,"
                  + "update_failure,update_empty,init_fetch_timeout}",
              "io/attache/dataplane/xds/AdsClientTest.java"),
          Map.entry(
              "{cluster_manager.cds,listener_manager.lds,http.<prefix>.rds.<route_config>}"
                  + ".{version,update_time}",
              "io/attache/dataplane/xds/AdsClientTest.java"),
          Map.entry(
              "control_plane.{connected_state,pending_requests}",
              "io/attache/dataplane/xds/MeshResilienceIT.java"),
          Map.entry(
              "control_plane.rate_limit_enforced", "io/attache/dataplane/xds/AdsClientTest.java"),
          Map.entry(
              "tracing.opentelemetry.{spans_sent,grpc_reports_sent,grpc_reports_success,"
                  + "grpc_reports_failed,http_reports_success,http_reports_failed}",
              "io/attache/dataplane/tracing/OtlpExportIT.java"),
          Map.entry(
              "tracing.zipkin.{spans_sent,timer_flushed,spans_dropped,reports_sent,reports_dropped,"
                  + "reports_failed,reports_skipped_no_cluster}",
              "io/attache/dataplane/tracing/ZipkinReportIT.java"),
          Map.entry(
              "tracing.skywalking.{segments_sent,segments_dropped,segments_flushed,cache_flushed}",
              "io/attache/dataplane/tracing/SkyWalkingReportIT.java"),
          Map.entry(
              "tracing.datadog.{spans_sent,timer_flushed,spans_dropped,reports_sent,reports_dropped,"
                  + "reports_failed,reports_skipped_no_cluster}",
              "io/attache/dataplane/tracing/DatadogReportIT.java"),
          Map.entry(
              "http.<prefix>.composite.{filter_delegation_success,filter_delegation_error}",
              "io/attache/dataplane/filter/matchdelegate/MatchDelegateStreamTest.java"),
          Map.entry(
              "http.<prefix>.decompressor.<library>.<type>.decompressor_library.brotli_error",
              "io/attache/dataplane/filter/decompressor/DecompressorLibraryTest.java"),
          Map.entry(
              "http.<prefix>.decompressor.<library>.<type>.decompressor_library.{zstd_generic_error,"
                  + "zstd_dictionary_error,zstd_checksum_wrong_error,zstd_memory_error}",
              "io/attache/dataplane/filter/decompressor/DecompressorLibraryTest.java"),
          Map.entry(
              "proxy_proto.{not_found_allowed,not_found_disallowed}",
              "io/attache/dataplane/listenerfilter/ProxyProtocolFilterTest.java"),
          Map.entry(
              "proxy_proto.versions.{v1,v2}.{found,disallowed,error}",
              "io/attache/dataplane/listenerfilter/ProxyProtocolFilterTest.java"),
          Map.entry(
              "downstream_cx_proxy_proto_error",
              "io/attache/dataplane/listenerfilter/ProxyProtocolFilterTest.java"),
          Map.entry(
              "http.<prefix>.admission_control.{rq_rejected,rq_success,rq_failure}",
              "io/attache/dataplane/filter/admissioncontrol/AdmissionControlFilterTest.java"),
          Map.entry(
              "udp.<prefix>.{downstream_sess_no_route,downstream_sess_rx_bytes,"
                  + "downstream_sess_rx_datagrams,downstream_sess_rx_errors,downstream_sess_total,"
                  + "downstream_sess_tx_bytes,downstream_sess_tx_datagrams,"
                  + "downstream_sess_tx_errors,idle_timeout}",
              "io/attache/dataplane/udpproxy/UdpProxyFilterTest.java"),
          Map.entry(
              "udp.<prefix>.downstream_sess_active",
              "io/attache/dataplane/udpproxy/UdpProxyFilterTest.java"),
          Map.entry(
              "cluster.<cluster>.udp.{sess_rx_datagrams,sess_rx_datagrams_dropped,sess_rx_errors,"
                  + "sess_tx_datagrams,sess_tx_errors}",
              "io/attache/dataplane/udpproxy/UdpProxyFilterTest.java"));

  private static final TestPki.Ca CA = TestPki.newCa("stats-ca");
  private static final TestPki.Issued BACKEND = CA.issue("backend", List.of(), List.of("backend"));

  private final List<AutoCloseable> resources = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  @Test
  void everyEmittedStatMatchesADocumentedFamilyAndEveryFamilyIsReached() throws Exception {
    Map<String, String> emitted = emittedByADrivenProxy();
    Map<String, String> families = documentedFamilies();

    Map<String, String> undocumented = new TreeMap<>();
    Map<String, Integer> hits = new TreeMap<>();
    families.keySet().forEach(f -> hits.put(f, 0));
    Map<Pattern, String> patterns = new LinkedHashMap<>();
    families.keySet().forEach(f -> patterns.put(pattern(f), f));
    emitted.forEach(
        (name, type) -> {
          boolean matched = false;
          for (var e : patterns.entrySet()) {
            if (e.getKey().matcher(name).matches() && families.get(e.getValue()).equals(type)) {
              hits.merge(e.getValue(), 1, Integer::sum);
              matched = true;
            }
          }
          if (!matched) {
            undocumented.put(name, type);
          }
        });
    assertThat(undocumented)
        .as("stats the proxy emits that no row of %s's table (of the same type) matches", DOC)
        .isEmpty();

    TreeSet<String> unreached = new TreeSet<>();
    hits.forEach(
        (family, count) -> {
          if (count == 0 && !REACHED_ELSEWHERE.containsKey(family)) {
            unreached.add(family);
          }
        });
    assertThat(unreached)
        .as("rows of %s's table no emitted stat matches and no other test is named for", DOC)
        .isEmpty();
    for (var e : REACHED_ELSEWHERE.entrySet()) {
      assertThat(families).as("a row named as reached elsewhere").containsKey(e.getKey());
      assertThat(hits.get(e.getKey()))
          .as("%s is reached here: drop it from REACHED_ELSEWHERE", e.getKey())
          .isZero();
      String source = Files.readString(TESTS.resolve(e.getValue()));
      assertThat(pattern(e.getKey()).matcher(source).find())
          .as("%s names a stat of row %s", e.getValue(), e.getKey())
          .isTrue();
    }
  }

  /**
   * A row as a regex: {@code <code>} a status, {@code <class>} its first digit, any other {@code
   * <x>} a name; {@code {a,b}} either option.
   */
  static Pattern pattern(String family) {
    StringBuilder regex = new StringBuilder();
    Matcher m = Pattern.compile("<([a-z_]+)>|\\{([^}]+)}").matcher(family);
    int last = 0;
    while (m.find()) {
      regex.append(Pattern.quote(family.substring(last, m.start())));
      if (m.group(1) != null) {
        regex.append(
            switch (m.group(1)) {
              case "code" -> "[1-5][0-9][0-9]";
              case "class" -> "[1-5]";
              default -> "[^\\s\"]+";
            });
      } else {
        regex.append("(?:");
        String[] options = m.group(2).split(",");
        for (int i = 0; i < options.length; i++) {
          regex.append(i == 0 ? "" : "|").append(pattern(options[i].trim()).pattern());
        }
        regex.append(')');
      }
      last = m.end();
    }
    regex.append(Pattern.quote(family.substring(last)));
    return Pattern.compile(regex.toString());
  }

  private static Map<String, String> documentedFamilies() throws Exception {
    List<String> lines = Files.readAllLines(DOC);
    int header = lines.indexOf(TABLE_HEADER);
    assertThat(header).as("the table headed '%s' in %s", TABLE_HEADER, DOC).isNotNegative();
    Map<String, String> families = new LinkedHashMap<>();
    for (int i = header + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] cells = lines.get(i).split("\\|");
      String family = cells[1].trim().replace("`", "");
      assertThat(families.put(family, cells[2].trim())).as("row %s appears once", family).isNull();
    }
    return families;
  }

  /** Name → counter / gauge / histogram, after traffic through every kind of listener. */
  private Map<String, String> emittedByADrivenProxy() throws Exception {
    TestHttpServer backend = keep(TestHttpServer.http1(TestHttpServer.echo("backend")));
    TestHttpServer failing = keep(TestHttpServer.http1(req -> TestHttpServer.Reply.status(503)));
    TestHttpServer secure =
        keep(
            TestHttpServer.https(
                SslContextBuilder.forServer(BACKEND.key(), BACKEND.certificate())
                    .sslProvider(SslProvider.JDK)
                    .build(),
                false,
                TestHttpServer.echo("secure")));
    ProxyHarness proxy =
        keep(ProxyHarness.start(bootstrap(backend.port(), failing.port(), secure.port())));
    int ingress = proxy.server().listenerAddresses().get("ingress").getPort();
    int edge = proxy.server().listenerAddresses().get("edge").getPort();
    int tcp = proxy.server().listenerAddresses().get("tcp").getPort();

    assertThat(send(proxy, ingress, "/ok")).isEqualTo(200);
    assertThat(send(proxy, ingress, "/retried")).isEqualTo(503);
    assertThat(send(proxy, ingress, "/secure")).isEqualTo(200);
    assertThat(send(proxy, ingress, "/nowhere")).isEqualTo(404);
    assertThat(send(proxy, ingress, "/healthz")).isEqualTo(200);
    assertThat(
            proxy
                .send(
                    HttpRequest.newBuilder(
                            java.net.URI.create("http://127.0.0.1:" + ingress + "/ok"))
                        .header("accept-encoding", "gzip"))
                .statusCode())
        .isEqualTo(200);
    assertThat(send(proxy, edge, "/ok")).isEqualTo(200);
    assertThat(send(proxy, edge, "/ok")).isEqualTo(429);
    try (Socket s = new Socket("127.0.0.1", tcp)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          "GET /tcp HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      assertThat(new String(in.readAllBytes(), StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 200");
    }
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(proxy.stat("tcp.tcp.downstream_cx_total")).isEqualTo(1));
    // stats_flush_on_admin: refreshes server.* and closes the histograms' interval.
    assertThat(proxy.admin("/stats")).contains("server.live: 1");

    StatsStore stats = proxy.server().stats();
    Map<String, String> emitted = new TreeMap<>();
    stats.counters().keySet().forEach(n -> emitted.put(n, "counter"));
    stats.gauges().keySet().forEach(n -> emitted.put(n, "gauge"));
    stats.histograms().keySet().forEach(n -> emitted.put(n, "histogram"));
    return emitted;
  }

  private static int send(ProxyHarness proxy, int port, String path) throws Exception {
    return proxy
        .send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + path)))
        .statusCode();
  }

  private static String bootstrap(int backend, int failing, int secure) {
    return """
        stats_flush_on_admin: true
        overload_manager:
          refresh_interval: 3600s
          resource_monitors:
          - name: "envoy.resource_monitors.fixed_heap"
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig
              max_heap_size_bytes: 1099511627776
          actions:
          - name: "envoy.overload_actions.shrink_heap"
            triggers:
            - name: "envoy.resource_monitors.fixed_heap"
              threshold: { value: 0.95 }
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: ingress
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
                  route_config:
                    name: local
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/ok" }
                        route: { cluster: backend }
                      - match: { prefix: "/retried" }
                        route:
                          cluster: failing
                          retry_policy: { retry_on: 5xx, num_retries: 1 }
                      - match: { prefix: "/secure" }
                        route: { cluster: secure }
                  http_filters:
                  - name: envoy.filters.http.health_check
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                      pass_through_mode: false
                      headers: [{ name: ":path", string_match: { exact: "/healthz" } }]
                  - name: envoy.filters.http.cors
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
                  - name: envoy.filters.http.rbac
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                      rules:
                        action: ALLOW
                        policies:
                          all: { permissions: [{ any: true }], principals: [{ any: true }] }
                      shadow_rules:
                        action: DENY
                        policies:
                          none: { permissions: [{ any: true }], principals: [{ any: true }] }
                  - name: envoy.filters.http.buffer
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                      max_request_bytes: 65536
                  - name: envoy.filters.http.compressor
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                      response_direction_config: { common_config: { min_content_length: 1 } }
                      compressor_library:
                        name: gzip
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
                  - name: envoy.filters.http.csrf
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                      filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
                  - name: envoy.filters.http.decompressor
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor
                      decompressor_library:
                        name: gzip
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.compression.gzip.decompressor.v3.Gzip
                  - name: envoy.filters.http.fault
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          - name: edge
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            stat_prefix: edge_listener
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: edge
                  route_config:
                    name: edge
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route: { cluster: backend }
                  http_filters:
                  - name: envoy.filters.http.local_ratelimit
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                      stat_prefix: edge_limit
                      token_bucket: { max_tokens: 1, fill_interval: 3600s }
                      filter_enabled: { default_value: { numerator: 100 } }
                      filter_enforced: { default_value: { numerator: 100 } }
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          - name: tcp
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.tcp_proxy
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
                  stat_prefix: tcp
                  cluster: backend
          clusters:
        %s%s%s"""
        .formatted(
            ProxyHarness.staticCluster("backend", "", backend).indent(2),
            ProxyHarness.staticCluster(
                    "failing", "outlier_detection: { consecutive_5xx: 5 }", failing)
                .indent(2),
            ProxyHarness.staticCluster(
                    "secure",
                    """
                    transport_socket:
                      name: envoy.transport_sockets.tls
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
                        sni: backend
                        common_tls_context:
                          validation_context:
                            trusted_ca: { inline_string: %s }
                    """
                        .formatted(TestPki.quoted(CA.pem())),
                    secure)
                .indent(2));
  }
}
