package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The proxy end to end on real sockets: real upstream servers, real clients. */
class ProxyIT {
  private static final String ROUTE_ALL = ProxyHarness.routeAllTo("backend");

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void startWith(String hcmExtra, String routes, String clusters) throws Exception {
    proxy = ProxyHarness.start(bootstrap(hcmExtra, routes, clusters));
  }

  @Test
  void forwardsAnHttp1RequestAndAddsRequestIdAndServiceTime() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));

    HttpResponse<String> r = proxy.get("/hello?x=1");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("GET /hello?x=1");
    assertThat(r.headers().firstValue("x-upstream")).hasValue("a");
    assertThat(r.headers().firstValue("x-envoy-upstream-service-time")).isPresent();
    assertThat(r.headers().firstValue("server")).hasValue("envoy");
    TestHttpServer.Received seen = upstream.received().get(0);
    assertThat(seen.headers().get("x-request-id"))
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
    assertThat(seen.headers().get("x-forwarded-proto")).isEqualTo("http");
    assertThat(proxy.stat("cluster.backend.upstream_rq_total")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.upstream_rq_200")).isEqualTo(1);
    // The stream is counted when it completes, just after the client has the response.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(proxy.stat("http.ingress.downstream_rq_2xx")).isEqualTo(1));
  }

  @Test
  void preservesAnIncomingRequestIdAndEchoesItWhenConfigured() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith(
        "always_set_request_id_in_response: true",
        ROUTE_ALL,
        staticCluster("backend", "", upstream.port()));

    HttpResponse<String> r =
        proxy.send(HttpRequest.newBuilder(proxy.uri("/")).header("x-request-id", "abc-123"));

    assertThat(upstream.received().get(0).headers().get("x-request-id")).isEqualTo("abc-123");
    assertThat(r.headers().firstValue("x-request-id")).hasValue("abc-123");
  }

  @Test
  void reusesOneUpstreamConnectionForSequentialRequests() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));

    for (int i = 0; i < 5; i++) {
      assertThat(proxy.get("/" + i).statusCode()).isEqualTo(200);
    }

    assertThat(upstream.connectionsAccepted()).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.upstream_cx_total")).isEqualTo(1);
  }

  @Test
  void answersPipelinedRequestsInOrder() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));

    String responses =
        rawExchange(
            "GET /one HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /two HTTP/1.1\r\nHost: x\r\n\r\n"
                + "GET /three HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

    assertThat(responses.indexOf("GET /one")).isPositive();
    assertThat(responses.indexOf("GET /one")).isLessThan(responses.indexOf("GET /two"));
    assertThat(responses.indexOf("GET /two")).isLessThan(responses.indexOf("GET /three"));
  }

  @Test
  void streamsAChunkedRequestBodyToTheUpstream() throws Exception {
    upstream = TestHttpServer.http1(r -> Reply.ok(Integer.toString(r.body().length())));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));
    String body = "x".repeat(300_000);

    HttpResponse<String> r =
        proxy.send(
            HttpRequest.newBuilder(proxy.uri("/upload"))
                .POST(
                    HttpRequest.BodyPublishers.ofInputStream(
                        () ->
                            new java.io.ByteArrayInputStream(
                                body.getBytes(StandardCharsets.US_ASCII)))));

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("300000");
  }

  @Test
  void speaksHttp2ToAnUpstreamWhenTheClusterSaysSo() throws Exception {
    upstream = TestHttpServer.http2(TestHttpServer.echo("h2"));
    startWith(
        "", ROUTE_ALL, staticCluster("backend", "http2_protocol_options: {}", upstream.port()));

    HttpResponse<String> r = proxy.get("/over-h2");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo("GET /over-h2");
    assertThat(upstream.received().get(0).protocol()).isEqualTo("HTTP/2");
    assertThat(proxy.stat("cluster.backend.upstream_cx_http2_total")).isEqualTo(1);
  }

  @Test
  void acceptsAnH2cUpgradeFromTheClient() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));
    HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();

    HttpResponse<String> first =
        h2.send(
            HttpRequest.newBuilder(proxy.uri("/a")).build(), HttpResponse.BodyHandlers.ofString());
    HttpResponse<String> second =
        h2.send(
            HttpRequest.newBuilder(proxy.uri("/b")).build(), HttpResponse.BodyHandlers.ofString());

    assertThat(first.body()).isEqualTo("GET /a");
    assertThat(second.version()).isEqualTo(HttpClient.Version.HTTP_2);
    assertThat(second.body()).isEqualTo("GET /b");
    assertThat(proxy.stat("http.ingress.downstream_rq_http2_total")).isGreaterThanOrEqualTo(1);
  }

  @Test
  void answersNoRouteWith404() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith(
        "",
        """
        - match: { prefix: "/api" }
          route: { cluster: backend }
        """,
        staticCluster("backend", "", upstream.port()));

    assertThat(proxy.get("/elsewhere").statusCode()).isEqualTo(404);
    assertThat(proxy.stat("http.ingress.no_route")).isEqualTo(1);
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void answersConnectFailureWith503() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    startWith("", ROUTE_ALL, staticCluster("backend", "", closedPort));

    HttpResponse<String> r = proxy.get("/");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(r.body()).contains("upstream connect error");
    assertThat(proxy.stat("cluster.backend.upstream_cx_connect_fail")).isEqualTo(1);
  }

  @Test
  void answersAnUpstreamThatResetsBeforeRespondingWith503() throws Exception {
    try (ServerSocket rude = new ServerSocket(0)) {
      Thread t =
          new Thread(
              () -> {
                try (Socket s = rude.accept()) {
                  s.getInputStream().read(new byte[1024]);
                } catch (Exception ignored) {
                  // the connection is closed on purpose
                }
              });
      t.setDaemon(true);
      t.start();
      startWith("", ROUTE_ALL, staticCluster("backend", "", rude.getLocalPort()));

      HttpResponse<String> r = proxy.get("/");

      assertThat(r.statusCode()).isEqualTo(503);
      assertThat(r.body()).contains("reset before headers");
    }
  }

  @Test
  void answersARouteTimeoutWith504() throws Exception {
    try (ServerSocket silent = new ServerSocket(0)) {
      startWith(
          "",
          """
          - match: { prefix: "/" }
            route: { cluster: backend, timeout: 0.2s }
          """,
          staticCluster("backend", "", silent.getLocalPort()));

      HttpResponse<String> r = proxy.get("/slow");

      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(r.body()).isEqualTo("upstream request timeout");
      assertThat(proxy.stat("cluster.backend.upstream_rq_timeout")).isEqualTo(1);
    }
  }

  @Test
  void announcesTheTimeLeftToTheUpstreamInXEnvoyExpectedRqTimeoutMsAsEnvoysRouterDoes()
      throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith(
        "",
        """
        - match: { prefix: "/per-try" }
          route:
            cluster: backend
            timeout: 3s
            retry_policy: { retry_on: 5xx, per_try_timeout: 0.5s }
        - match: { prefix: "/off" }
          route: { cluster: backend, timeout: 0s }
        - match: { prefix: "/three" }
          route: { cluster: backend, timeout: 3s }
        - match: { prefix: "/" }
          route: { cluster: backend }
        """,
        staticCluster("backend", "", upstream.port()));

    proxy.get("/default");
    proxy.get("/three");
    proxy.get("/per-try");
    proxy.get("/off");

    assertThat(upstream.received())
        .extracting(seen -> seen.headers().get("x-envoy-expected-rq-timeout-ms"))
        .containsExactly("15000", "3000", "500", null);
  }

  @Test
  void servesDirectResponsesAndRedirectsWithoutAnUpstream() throws Exception {
    startWith(
        "",
        """
        - match: { path: "/healthz" }
          direct_response: { status: 200, body: { inline_string: "ok" } }
        - match: { path: "/old" }
          redirect: { path_redirect: "/new" }
        """,
        staticCluster("backend", "", 1));

    HttpResponse<String> ok = proxy.get("/healthz");
    HttpResponse<String> moved = proxy.get("/old");

    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body()).isEqualTo("ok");
    assertThat(moved.statusCode()).isEqualTo(301);
    assertThat(moved.headers().firstValue("location"))
        .hasValueSatisfying(l -> assertThat(l).endsWith("/new"));
  }

  @Test
  void answersExpect100ContinueItselfAndForwardsTheBody() throws Exception {
    upstream = TestHttpServer.http1(r -> Reply.ok("got " + r.body()));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));

    String response;
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nExpect: 100-continue\r\n"
                  + "Connection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      byte[] buf = new byte[25];
      int n = in.read(buf);
      assertThat(new String(buf, 0, n, StandardCharsets.US_ASCII))
          .startsWith("HTTP/1.1 100 Continue");
      out.write("hello".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      response = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }

    assertThat(response).contains("got hello");
    assertThat(upstream.received().get(0).headers().contains("expect")).isFalse();
  }

  @Test
  void stripsHopByHopHeadersBothWays() throws Exception {
    upstream =
        TestHttpServer.http1(
            r -> Reply.ok("x").withHeader("keep-alive", "timeout=5").withHeader("x-keep", "1"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));

    String response =
        rawExchange(
            "GET / HTTP/1.1\r\nHost: x\r\nConnection: close, x-secret\r\nx-secret: s\r\n"
                + "Proxy-Connection: keep-alive\r\n\r\n");

    TestHttpServer.Received seen = upstream.received().get(0);
    assertThat(seen.headers().contains("x-secret")).isFalse();
    assertThat(seen.headers().contains("proxy-connection")).isFalse();
    assertThat(response.toLowerCase()).doesNotContain("keep-alive: timeout");
    assertThat(response).contains("x-keep: 1");
  }

  @Test
  void closesAKeepAliveConnectionThatStaysIdleForTheIdleTimeout() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith(
        "common_http_protocol_options: { idle_timeout: 0.3s }",
        ROUTE_ALL,
        staticCluster("backend", "", upstream.port()));

    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write("GET /x HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all); // ends only when the proxy closes the idle connection

      assertThat(all.toString(StandardCharsets.US_ASCII)).startsWith("HTTP/1.1 200 OK");
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_idle_timeout")).isEqualTo(1);
  }

  @Test
  void adminEndpointShowsEnvoyNamedStats() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));
    proxy.get("/");

    String stats = proxy.admin("/stats");
    String prometheus = proxy.admin("/stats/prometheus");

    assertThat(stats).contains("cluster.backend.upstream_rq_total: 1");
    assertThat(prometheus)
        .contains("envoy_cluster_upstream_rq_total{envoy_cluster_name=\"backend\"} 1");
  }

  @Test
  void drainLetsAnInFlightRequestFinish() throws Exception {
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    upstream =
        TestHttpServer.http1(
            r -> {
              try {
                release.await(5, java.util.concurrent.TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              return Reply.ok("finished");
            });
    startWith("", ROUTE_ALL, staticCluster("backend", "", upstream.port()));
    var pending =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .sendAsync(
                HttpRequest.newBuilder(proxy.uri("/slow")).build(),
                HttpResponse.BodyHandlers.ofString());
    await().atMost(Duration.ofSeconds(5)).until(() -> upstream.received().size() == 1);

    Thread drainer = new Thread(() -> proxy.server().drainAndStop(Duration.ofSeconds(5)));
    drainer.start();
    await().atMost(Duration.ofSeconds(5)).until(() -> proxy.admin("/ready").contains("DRAINING"));
    release.countDown();

    assertThat(pending.get(5, java.util.concurrent.TimeUnit.SECONDS).body()).isEqualTo("finished");
    drainer.join(5000);
    proxy = null;
  }

  private String rawExchange(String requestBytes) throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(5000);
      s.getOutputStream().write(requestBytes.getBytes(StandardCharsets.US_ASCII));
      s.getOutputStream().flush();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      s.getInputStream().transferTo(all);
      return all.toString(StandardCharsets.US_ASCII);
    }
  }
}
