package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ReseedableRandom;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.io.ByteArrayOutputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Route actions, access logs, admin pages and front-door safety, through the whole proxy. */
class ProxyFeaturesIT {
  private static final long SEED = 20_140_901L;
  private TestHttpServer upstream;
  private TestHttpServer other;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
    if (other != null) {
      other.close();
    }
  }

  @Test
  void writesEnvoyFormatAccessLogLinesToAFile(@TempDir Path dir) throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    Path log = dir.resolve("access.log");
    proxy =
        ProxyHarness.start(
            bootstrap(
                """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format:
                      text_format_source:
                        inline_string: "%%REQ(:METHOD)%% %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%UPSTREAM_CLUSTER%% %%REQ(X-REQUEST-ID)%%\\n"
                """
                    .formatted(log),
                """
                - match: { prefix: "/api" }
                  route: { cluster: backend }
                """,
                staticCluster("backend", "", upstream.port())));

    HttpResponse<String> ok =
        proxy.send(HttpRequest.newBuilder(proxy.uri("/api/x")).header("x-request-id", "rid-1"));
    proxy.get("/nowhere");

    assertThat(ok.statusCode()).isEqualTo(200);
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(Files.exists(log) ? Files.readAllLines(log) : java.util.List.of())
                    .satisfiesExactly(
                        first -> assertThat(first).isEqualTo("GET /api/x 200 - backend rid-1"),
                        second ->
                            assertThat(second).matches("GET /nowhere 404 NR - [0-9a-f-]{36}")));
  }

  @Test
  void rewritesPrefixAndHostAndSplitsWeightedClustersExactlyAsEnvoyDrawsThem() throws Exception {
    upstream = TestHttpServer.http1(r -> Reply.ok(r.uri() + " " + r.headers().get("host")));
    other = TestHttpServer.http1(r -> Reply.ok("other"));
    ReseedableRandom random = new ReseedableRandom(SEED);
    proxy =
        ProxyHarness.start(
            bootstrap(
                // No request id, so the stream's one random value is the only draw per request.
                "generate_request_id: false",
                """
                - match: { prefix: "/v1/" }
                  route: { cluster: backend, prefix_rewrite: "/internal/", host_rewrite_literal: svc.local }
                - match: { prefix: "/split" }
                  route:
                    weighted_clusters:
                      clusters:
                      - { name: backend, weight: 1 }
                      - { name: other, weight: 3 }
                """,
                staticCluster("backend", "", upstream.port())
                    + "\n"
                    + staticCluster("other", "", other.port())),
            random);

    assertThat(proxy.get("/v1/users?id=7").body()).isEqualTo("/internal/users?id=7 svc.local");
    assertThat(upstream.received().get(0).headers().get("x-envoy-original-path"))
        .isEqualTo("/v1/users?id=7");
    random.reseed(SEED);
    int toOther = 0;
    for (int i = 0; i < 200; i++) {
      if (proxy.get("/split").body().equals("other")) {
        toOther++;
      }
    }

    // Envoy's rule, computed here from the same seed: value % total weight (4), and the first
    // cluster whose cumulative weight exceeds it; backend holds [0, 1), other [1, 4).
    SplittableRandom oracle = new SplittableRandom(SEED);
    int expectedToOther = 0;
    for (int i = 0; i < 200; i++) {
      if (Long.remainderUnsigned(oracle.nextLong(), 4) >= 1) {
        expectedToOther++;
      }
    }
    assertThat(toOther).isEqualTo(expectedToOther);
  }

  @Test
  void streamsAMultiMegabyteResponseIntact() throws Exception {
    String big = "0123456789abcdef".repeat(512 * 1024); // 8 MiB
    upstream = TestHttpServer.http1(r -> Reply.ok(big));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));

    HttpResponse<String> r = proxy.get("/big");

    assertThat(r.body().length()).isEqualTo(big.length());
    assertThat(r.body()).isEqualTo(big);
  }

  @Test
  void refusesARequestSmugglingAttemptWith400AndClosesTheConnection() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));

    String response;
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream()
          .write(
              ("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                      + "0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: x\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all); // returns only because the proxy closes
      response = all.toString(StandardCharsets.US_ASCII);
    }

    assertThat(response).startsWith("HTTP/1.1 400 Bad Request");
    assertThat(response).doesNotContain("/smuggled");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void resolvesAStrictDnsClusterAndShowsItsHostsOnTheAdminPages() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("dns"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("by_name"),
                """
                - name: by_name
                  type: STRICT_DNS
                  dns_lookup_family: V4_ONLY
                  connect_timeout: 1s
                  load_assignment:
                    cluster_name: by_name
                    endpoints:
                    - lb_endpoints:
                      - endpoint:
                          address: { socket_address: { address: localhost, port_value: %d } }
                """
                    .formatted(upstream.port())));

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(proxy.get("/x").statusCode()).isEqualTo(200));
    String clusters = proxy.admin("/clusters");
    String dump = proxy.admin("/config_dump");

    assertThat(clusters).contains("by_name::127.0.0.1:" + upstream.port() + "::rq_total::");
    assertThat(dump).contains("envoy.admin.v3.BootstrapConfigDump").contains("by_name");
  }
}
