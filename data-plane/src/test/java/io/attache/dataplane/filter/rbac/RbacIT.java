package io.attache.dataplane.filter.rbac;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RBAC filter in a real proxy on real sockets: who may {@code POST /charge}, a DENY filter
 * behind it, shadow rules, and what the upstream, the stats and the access log see.
 */
class RbacIT {
  /**
   * Filter one allows {@code POST /charge} to the billing team (by header) or to clients from
   * 198.51.100.0/24 (the trusted client address: Envoy's default use_remote_address false takes the
   * last x-forwarded-for entry), and {@code GET /health} from the loopback socket peer. Its shadow
   * rules trial a stricter rule. Filter two denies 203.0.113.0/24 outright.
   */
  private static final String FILTERS =
      """
      http_filters:
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: ALLOW
            policies:
              charge:
                permissions:
                - and_rules:
                    rules:
                    - header: { name: ":method", string_match: { exact: POST } }
                    - url_path: { path: { exact: /charge } }
                principals:
                - header: { name: x-caller-team, string_match: { exact: billing } }
                - remote_ip: { address_prefix: 198.51.100.0, prefix_len: 24 }
              health:
                permissions: [ { url_path: { path: { exact: /health } } } ]
                principals: [ { direct_remote_ip: { address_prefix: 127.0.0.1, prefix_len: 32 } } ]
          shadow_rules_stat_prefix: strict.
          shadow_rules:
            action: ALLOW
            policies:
              billing-only:
                permissions: [ { any: true } ]
                principals: [ { header: { name: x-caller-team, string_match: { exact: billing } } } ]
      - name: deny-blocked-network
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules_stat_prefix: blocklist
          rules:
            action: DENY
            policies:
              blocked network:
                permissions: [ { any: true } ]
                principals: [ { remote_ip: { address_prefix: 203.0.113.0, prefix_len: 24 } } ]
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;
  private Path accessLog;

  @BeforeEach
  void start(@TempDir Path dir) throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("payments"));
    accessLog = dir.resolve("access.log");
    String yaml =
        bootstrap(
                """
                access_log:
                - name: envoy.access_loggers.file
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
                    path: %s
                    log_format:
                      text_format_source:
                        inline_string: "%%REQ(:METHOD)%% %%REQ(:PATH)%% %%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%RESPONSE_CODE_DETAILS%%\\n"
                """
                    .formatted(accessLog),
                ProxyHarness.routeAllTo("payments"),
                staticCluster("payments", "", upstream.port()))
            .replace(
                """
                          http_filters:
                          - name: envoy.filters.http.router
                            typed_config:
                              "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                """,
                FILTERS.indent(10));
    assertThat(yaml).contains("deny-blocked-network");
    proxy = ProxyHarness.start(yaml);
  }

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private HttpResponse<String> post(String path, String... headers) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(proxy.uri(path)).POST(BodyPublishers.ofString("amount=5"));
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return proxy.send(b);
  }

  @Test
  void onlyTheAllowedCallersReachTheUpstream() throws Exception {
    HttpResponse<String> byTeam = post("/charge", "x-caller-team", "billing");
    HttpResponse<String> byNetwork = post("/charge", "x-forwarded-for", "198.51.100.7");
    HttpResponse<String> health = proxy.get("/health");

    assertThat(byTeam.statusCode()).isEqualTo(200);
    assertThat(byTeam.body()).isEqualTo("POST /charge");
    assertThat(byNetwork.statusCode()).isEqualTo(200);
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(3);
    assertThat(proxy.stat("http.ingress.rbac.allowed")).isEqualTo(3);
    assertThat(proxy.stat("http.ingress.rbac.blocklist.allowed")).isEqualTo(3);
    assertThat(proxy.stat("http.ingress.rbac.denied")).isZero();
  }

  @Test
  void deniesEveryoneElseWith403AndNeverTouchesTheUpstream() throws Exception {
    HttpResponse<String> anonymous = post("/charge");
    HttpResponse<String> wrongMethod =
        proxy.send(HttpRequest.newBuilder(proxy.uri("/charge")).header("x-caller-team", "billing"));
    HttpResponse<String> otherNetwork = post("/charge", "x-forwarded-for", "192.0.2.1");

    for (HttpResponse<String> r : List.of(anonymous, wrongMethod, otherNetwork)) {
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(r.body()).isEqualTo("RBAC: access denied");
      assertThat(r.headers().firstValue("content-type")).hasValue("text/plain");
    }
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.rbac.denied")).isEqualTo(3);
    assertThat(proxy.stat("http.ingress.rbac.allowed")).isZero();
    assertThat(proxy.stat("http.ingress.rbac.blocklist.allowed"))
        .as("the second filter never runs for a request the first denied")
        .isZero();
    // Completion stats are recorded as the stream finishes, which may be after the client read it.
    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(() -> assertThat(proxy.stat("http.ingress.downstream_rq_4xx")).isEqualTo(3));
  }

  @Test
  void aDenyPolicyInALaterFilterStopsAnOtherwiseAllowedCaller() throws Exception {
    HttpResponse<String> r =
        post("/charge", "x-caller-team", "billing", "x-forwarded-for", "203.0.113.9");

    assertThat(r.statusCode()).isEqualTo(403);
    assertThat(r.body()).isEqualTo("RBAC: access denied");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.rbac.allowed")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.rbac.blocklist.denied")).isEqualTo(1);
  }

  @Test
  void shadowRulesAreCountedButDoNotChangeTheOutcome() throws Exception {
    post("/charge", "x-caller-team", "billing");
    HttpResponse<String> viaNetwork = post("/charge", "x-forwarded-for", "198.51.100.7");

    assertThat(viaNetwork.statusCode()).as("the shadow rule would deny it").isEqualTo(200);
    assertThat(proxy.stat("http.ingress.rbac.strict.shadow_allowed")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.rbac.strict.shadow_denied")).isEqualTo(1);
  }

  @Test
  void accessLogsNameTheDenyingPolicyInResponseCodeDetails() throws Exception {
    post("/charge");
    post("/charge", "x-caller-team", "billing", "x-forwarded-for", "203.0.113.9");
    post("/charge", "x-caller-team", "billing");

    await()
        .atMost(Duration.ofSeconds(5))
        .untilAsserted(
            () ->
                assertThat(Files.exists(accessLog) ? Files.readAllLines(accessLog) : List.of())
                    .containsExactly(
                        "POST /charge 403 - rbac_access_denied_matched_policy[none]",
                        "POST /charge 403 - rbac_access_denied_matched_policy[blocked_network]",
                        "POST /charge 200 - via_upstream"));
  }
}
