package io.attache.dataplane.trust;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Client-sent {@code x-envoy-*} headers through a real proxy and a real upstream: an external
 * client cannot pass for internal, open an internal-only route, or turn retries on.
 */
class EnvoyHeaderTrustIT {
  private static final String ROUTES =
      """
      - match:
          prefix: "/admin"
          headers: [{ name: x-envoy-internal, string_match: { exact: "true" } }]
        route: { cluster: backend }
      - match: { prefix: "/admin" }
        direct_response: { status: 404, body: { inline_string: "internal only" } }
      - match: { prefix: "/" }
        route: { cluster: backend }
      """;

  private static final HttpClient CLIENT =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(5))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();

  private TestHttpServer upstream;
  private ProxyHarness proxy;
  private final AtomicInteger attempts = new AtomicInteger();

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  /** An upstream whose first answer is 503 and every later one 200. */
  private void start(String hcmExtra) throws Exception {
    upstream =
        TestHttpServer.http1(
            r ->
                attempts.incrementAndGet() == 1
                    ? Reply.status(503)
                    : Reply.ok("ok").withHeader("x-seen-internal", internalOf(r)));
    proxy =
        ProxyHarness.start(
            bootstrap(hcmExtra, ROUTES, staticCluster("backend", "", upstream.port())));
  }

  private static String internalOf(TestHttpServer.Received r) {
    String v = r.headers().get("x-envoy-internal");
    return v == null ? "absent" : v;
  }

  private HttpResponse<String> send(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.port() + path))
            .timeout(Duration.ofSeconds(10));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return CLIENT.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aForgedXEnvoyInternalOpensNoInternalOnlyRoute() throws Exception {
    start("");
    attempts.set(1); // no 503 in this test

    HttpResponse<String> r = send("/admin/users", "x-envoy-internal", "true");

    assertThat(r.statusCode()).isEqualTo(404);
    assertThat(r.body()).isEqualTo("internal only");
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void requireTlsExternalOnlyCannotBeSkippedWithAForgedXEnvoyInternal() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                    "",
                    "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                    staticCluster("backend", "", upstream.port()))
                .replace(
                    "domains: [\"*\"]",
                    "domains: [\"*\"]\n              require_tls: EXTERNAL_ONLY"));

    HttpResponse<String> r = send("/pay", "x-envoy-internal", "true");

    assertThat(r.statusCode()).isEqualTo(301);
    assertThat(r.headers().firstValue("location"))
        .hasValueSatisfying(l -> l.startsWith("https://"));
    assertThat(upstream.received()).isEmpty();
  }

  @Test
  void anExternalClientCannotTurnRetriesOnWithXEnvoyHeaders() throws Exception {
    start("");

    HttpResponse<String> r = send("/orders", "x-envoy-retry-on", "5xx", "x-envoy-max-retries", "5");

    assertThat(r.statusCode()).isEqualTo(503);
    assertThat(attempts).hasValue(1);
    assertThat(upstream.received().get(0).headers().contains("x-envoy-retry-on")).isFalse();
    assertThat(upstream.received().get(0).headers().contains("x-envoy-max-retries")).isFalse();
  }

  @Test
  void anInternalClientNamedByInternalAddressConfigDoesSteerRetries() throws Exception {
    start(
        """
        use_remote_address: true
        internal_address_config:
          cidr_ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
        """);

    HttpResponse<String> r = send("/orders", "x-envoy-retry-on", "5xx", "x-envoy-max-retries", "5");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(attempts).hasValue(2);
    assertThat(r.headers().firstValue("x-seen-internal")).hasValue("true");
  }

  /** A proxy whose only route goes, with {@code timeout}, to an upstream that never answers. */
  private ServerSocket startWithSilentUpstream(String hcmExtra, String timeout) throws Exception {
    ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    proxy =
        ProxyHarness.start(
            bootstrap(
                hcmExtra,
                "- match: { prefix: \"/\" }\n  route: { cluster: silent, timeout: "
                    + timeout
                    + " }\n",
                staticCluster("silent", "", silent.getLocalPort())));
    return silent;
  }

  @Test
  void anExternalClientCannotStretchTheRouteTimeout() throws Exception {
    try (ServerSocket silent = startWithSilentUpstream("", "0.2s")) {
      HttpResponse<String> r = send("/slow", "x-envoy-upstream-rq-timeout-ms", "600000");

      assertThat(r.statusCode()).isEqualTo(504);
      assertThat(r.body()).isEqualTo("upstream request timeout");
    }
  }

  @Test
  void anInternalClientSetsItsOwnTimeoutAndAltResponseAsEnvoyAllows() throws Exception {
    String internal =
        """
        use_remote_address: true
        internal_address_config:
          cidr_ranges: [{ address_prefix: 127.0.0.0, prefix_len: 8 }]
        """;
    try (ServerSocket silent = startWithSilentUpstream(internal, "600s")) {
      HttpResponse<String> shortened = send("/slow", "x-envoy-upstream-rq-timeout-ms", "100");
      HttpResponse<String> alt =
          send(
              "/slow",
              "x-envoy-upstream-rq-timeout-ms",
              "100",
              "x-envoy-upstream-rq-timeout-alt-response",
              "1");

      assertThat(shortened.statusCode()).isEqualTo(504);
      assertThat(alt.statusCode()).isEqualTo(204);
    }
  }
}
