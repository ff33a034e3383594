package io.attache.dataplane.filter;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.filter.compressor.NativeCompressorsIT;
import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.FilterDifferential;
import io.attache.dataplane.testing.FilterDifferential.Compared;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.attache.dataplane.testing.WebSocketEchoServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.service.auth.v3.AuthorizationGrpc;
import io.envoyproxy.envoy.service.auth.v3.CheckRequest;
import io.envoyproxy.envoy.service.auth.v3.CheckResponse;
import io.envoyproxy.envoy.service.auth.v3.DeniedHttpResponse;
import io.envoyproxy.envoy.service.auth.v3.OkHttpResponse;
import io.envoyproxy.envoy.type.v3.HttpStatus;
import io.envoyproxy.envoy.type.v3.StatusCode;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One small scenario per HTTP filter: a bootstrap with that filter run by Attaché and by a stock
 * Envoy, the same requests against the same real upstream, and the two compared — status, body, the
 * filter's response headers, the headers the upstream saw, and the filter's stats that moved. A
 * difference either is fixed in the data plane or is pinned here with both observations and why it
 * stays; none is compared away.
 */
@ExtendWith(StockEnvoyExtension.class)
class HttpFilterDifferentialIT {
  @TempDir Path dir;
  private Envoy envoy;
  private TestHttpServer upstream;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start(Envoy envoy) {
    this.envoy = envoy;
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    closeAfter.add(upstream);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  /** {@link FilterDifferential#compare}, with this class's Envoy, directory and upstream. */
  private Compared compare(
      String name,
      String filtersYaml,
      String routesYaml,
      String extraClusters,
      Map<String, Request> requests,
      Set<String> responseHeaders,
      Set<String> upstreamHeaders,
      String statPrefix)
      throws Exception {
    return FilterDifferential.compare(
        envoy,
        dir,
        upstream,
        name,
        filtersYaml,
        routesYaml,
        extraClusters,
        requests,
        responseHeaders,
        upstreamHeaders,
        statPrefix);
  }

  private void assertSame(Compared c) {
    c.assertSame(envoy);
  }

  /**
   * As {@link #assertSame}, except for stats only Envoy moves here: a known difference, pinned with
   * Envoy's values and Attaché's absence so the test fails when either side changes.
   */
  private void assertSameButEnvoyAlsoCounts(Compared c, Map<String, Long> envoyOnly) {
    assertThat(c.attache())
        .as("Attaché's observations vs %s", envoy.describe())
        .isEqualTo(c.envoy());
    SortedMap<String, Long> envoyStats = new java.util.TreeMap<>(c.envoyStats());
    envoyOnly.forEach(
        (name, value) -> {
          assertThat(envoyStats.remove(name)).as("Envoy's %s", name).isEqualTo(value);
          assertThat(c.attacheStats()).as("Attaché's stats").doesNotContainKey(name);
        });
    assertThat(c.attacheStats())
        .as("Attaché's stats vs %s", envoy.describe())
        .isEqualTo(envoyStats);
  }

  private static Map<String, Request> requests(Object... nameThenRequest) {
    return FilterDifferential.requests(nameThenRequest);
  }

  @Test
  void corsAnswersPreflightsAndDecoratesCrossOriginResponsesAsEnvoyDoes() throws Exception {
    String routes =
        """
        - match: { prefix: "/" }
          route: { cluster: backend }
          typed_per_filter_config:
            envoy.filters.http.cors:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
              allow_origin_string_match: [ { suffix: ".app.example" } ]
              allow_methods: GET,PUT
              allow_headers: content-type
              expose_headers: x-trace
              max_age: "60"
              allow_credentials: true
        """;
    Compared c =
        compare(
            "cors",
            """
            - name: envoy.filters.http.cors
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
            """,
            routes,
            "",
            requests(
                "preflight from an allowed origin",
                Request.of(
                    "OPTIONS",
                    "/items/1",
                    "",
                    "origin",
                    "https://shop.app.example",
                    "access-control-request-method",
                    "PUT"),
                "preflight from an unknown origin",
                Request.of(
                    "OPTIONS",
                    "/items/1",
                    "",
                    "origin",
                    "https://evil.example",
                    "access-control-request-method",
                    "PUT"),
                "options without a request method",
                Request.of("OPTIONS", "/items/1", "", "origin", "https://shop.app.example"),
                "cross-origin GET",
                Request.get("/items", "origin", "https://shop.app.example"),
                "GET from an unknown origin",
                Request.get("/items", "origin", "https://evil.example"),
                "same-origin GET",
                Request.get("/items")),
            Set.of(
                "access-control-allow-origin",
                "access-control-allow-methods",
                "access-control-allow-headers",
                "access-control-expose-headers",
                "access-control-max-age",
                "access-control-allow-credentials",
                "x-upstream"),
            Set.of("origin", "access-control-request-method"),
            "http.ingress.cors.");

    assertSame(c);
    assertThat(c.attache().get("preflight from an allowed origin").forwarded()).isFalse();
    assertThat(c.attache().get("cross-origin GET").responseHeaders())
        .containsEntry("access-control-allow-origin", "https://shop.app.example");
  }

  @Test
  void bufferPassesABodyWithinItsLimitWholeAndRefusesALargerOneAsEnvoyDoes() throws Exception {
    Compared c =
        compare(
            "buffer",
            """
            - name: envoy.filters.http.buffer
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer
                max_request_bytes: 32
            """,
            """
            - match: { prefix: "/stream" }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.buffer:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute
                  disabled: true
            - match: { prefix: "/" }
              route: { cluster: backend }
            """,
            "",
            requests(
                "a body within the limit",
                Request.of("POST", "/upload", "0123456789"),
                "a body over the limit",
                Request.of("POST", "/upload", "0123456789".repeat(5)),
                "a body over the limit where the route disables buffering",
                Request.of("POST", "/stream", "0123456789".repeat(5)),
                "no body",
                Request.get("/upload")),
            Set.of("x-upstream", "content-type"),
            Set.of("content-length", "transfer-encoding"),
            "http.ingress.downstream_rq_");

    // Known difference (Envoy 1.40.0): Envoy's 413 goes out while the body is still arriving, so
    // its codec counts the request as answered before it was complete and then resets it; the
    // Attaché proxy reads the rest of the body and counts neither. The client sees the same 413.
    // Same as the edge differential's codec stats (docs/interop.md).
    assertSameButEnvoyAlsoCounts(
        c,
        Map.of(
            "http.ingress.downstream_rq_response_before_rq_complete", 1L,
            "http.ingress.downstream_rq_rx_reset", 1L));
    assertThat(c.attache().get("a body over the limit").status()).isEqualTo(413);
  }

  @Test
  void healthCheckAnswersTheProbePathItselfAndForwardsEverythingElseAsEnvoyDoes() throws Exception {
    Compared c =
        compare(
            "health-check",
            """
            - name: envoy.filters.http.health_check
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                pass_through_mode: false
                headers:
                - name: ":path"
                  string_match: { exact: "/healthz" }
            """,
            FilterDifferential.ALL_TO_BACKEND,
            "",
            requests(
                "the probe",
                Request.get("/healthz"),
                "the probe with a query",
                Request.get("/healthz?full=1"),
                "another path",
                Request.get("/orders"),
                "an envoy health checker's probe",
                Request.get("/healthz", "user-agent", "Envoy/HC")),
            Set.of("x-upstream", "x-envoy-upstream-healthchecked-cluster", "content-type"),
            Set.of("user-agent"),
            "http.ingress.health_check.");

    assertSame(c);
    assertThat(c.attache().get("the probe").forwarded()).isFalse();
    assertThat(c.attache().get("another path").forwarded()).isTrue();
  }

  @Test
  void localRateLimitDescriptorsFromTheRoutesRateLimitsSpendTheirBucketsAsEnvoyDoes()
      throws Exception {
    Compared c =
        compare(
            "local-ratelimit-route-descriptors",
            """
            - name: envoy.filters.http.local_ratelimit
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                stat_prefix: http_local_rate_limiter
            """,
            """
            - match: { prefix: "/foo" }
              route:
                cluster: backend
                rate_limits:
                - actions:
                  - request_headers: { header_name: x-client, descriptor_key: client_cluster }
                  - request_headers: { header_name: ":path", descriptor_key: path }
                - stage: 1
                  actions: [ { generic_key: { descriptor_value: second_stage } } ]
              typed_per_filter_config:
                envoy.filters.http.local_ratelimit:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                  stat_prefix: route_limiter
                  token_bucket: { max_tokens: 1000, tokens_per_fill: 1000, fill_interval: 60s }
                  filter_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
                  filter_enforced: { default_value: { numerator: 100, denominator: HUNDRED } }
                  response_headers_to_add:
                  - append_action: OVERWRITE_IF_EXISTS_OR_ADD
                    header: { key: x-test-rate-limit, value: "true" }
                  descriptors:
                  - entries: [ { key: client_cluster, value: foo }, { key: path, value: /foo/bar } ]
                    token_bucket: { max_tokens: 2, tokens_per_fill: 2, fill_interval: 60s }
                  - entries: [ { key: generic_key, value: second_stage } ]
                    token_bucket: { max_tokens: 1, tokens_per_fill: 1, fill_interval: 60s }
            - match: { prefix: "/" }
              route: { cluster: backend }
            """,
            "",
            requests(
                "the descriptor's first token",
                Request.get("/foo/bar", "x-client", "foo"),
                "the descriptor's second token",
                Request.get("/foo/bar", "x-client", "foo"),
                "the descriptor's bucket is empty",
                Request.get("/foo/bar", "x-client", "foo"),
                "another client: no configured descriptor matches",
                Request.get("/foo/bar", "x-client", "bar"),
                "no client header: no descriptor",
                Request.get("/foo/bar"),
                "the stage-1 entry does not apply at stage 0",
                Request.get("/foo/baz", "x-client", "foo"),
                "a route without a limit",
                Request.get("/other", "x-client", "foo")),
            Set.of("x-test-rate-limit", "x-upstream"),
            Set.of("x-client"),
            "route_limiter.http_local_rate_limit.");

    assertSame(c);
    assertThat(c.attache().get("the descriptor's bucket is empty").status()).isEqualTo(429);
    assertThat(c.attache().get("the descriptor's bucket is empty").responseHeaders())
        .containsEntry("x-test-rate-limit", "true");
    assertThat(c.attache().get("no client header: no descriptor").forwarded()).isTrue();
  }

  /**
   * Admission control made deterministic: with an aggression of 10^6 one failure in the window
   * raises the rejection probability to 0.5^(10^-6) = 0.9999993, above every 4-digit draw, so both
   * proxies reject every request after the first failure whatever their random sources draw.
   */
  @Test
  void admissionControlRejectsEverythingAfterAFailureWhenAggressionLeavesNoChanceAsEnvoyDoes()
      throws Exception {
    Compared c =
        compare(
            "admission-control",
            """
            - name: envoy.filters.http.admission_control
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl
                enabled: { default_value: true, runtime_key: admission_control.enabled }
                sampling_window: 120s
                aggression: { default_value: 1000000.0, runtime_key: admission_control.aggression }
                max_rejection_probability:
                  default_value: { value: 100.0 }
                  runtime_key: admission_control.max_rejection_probability
                success_criteria:
                  http_criteria: { http_success_status: [ { start: 100, end: 400 } ] }
            """,
            """
            - match: { prefix: "/fail" }
              direct_response: { status: 503 }
            - match: { prefix: "/" }
              route: { cluster: backend }
            """,
            "",
            requests(
                "a success with an empty history",
                Request.get("/ok"),
                "a failure with a history of one success",
                Request.get("/fail"),
                "rejected after the failure",
                Request.get("/ok"),
                "rejected again",
                Request.get("/fail")),
            Set.of("x-upstream", "content-type"),
            Set.of(),
            "http.ingress.admission_control.");

    assertSame(c);
    assertThat(c.attache().get("a success with an empty history").forwarded()).isTrue();
    assertThat(c.attache().get("rejected after the failure").status()).isEqualTo(503);
    assertThat(c.attache().get("rejected after the failure").forwarded()).isFalse();
    assertThat(c.attacheStats())
        .containsEntry("http.ingress.admission_control.rq_rejected", 2L)
        .containsEntry("http.ingress.admission_control.rq_success", 1L)
        .containsEntry("http.ingress.admission_control.rq_failure", 1L);
  }

  @Test
  void faultAbortsFromConfigAndFromTheRequestHeaderAsEnvoyDoes() throws Exception {
    Compared c =
        compare(
            "fault",
            """
            - name: envoy.filters.http.fault
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                abort:
                  header_abort: {}
                  percentage: { numerator: 100, denominator: HUNDRED }
                headers:
                - name: x-chaos
                  present_match: true
            """,
            """
            - match: { prefix: "/teapot" }
              route: { cluster: backend }
              typed_per_filter_config:
                envoy.filters.http.fault:
                  "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                  abort:
                    http_status: 418
                    percentage: { numerator: 100, denominator: HUNDRED }
            - match: { prefix: "/" }
              route: { cluster: backend }
            """,
            "",
            requests(
                "a route that aborts",
                Request.get("/teapot/brew"),
                "an abort asked for by header",
                Request.get("/orders", "x-chaos", "1", "x-envoy-fault-abort-request", "429"),
                "an abort header without the matching header",
                Request.get("/orders", "x-envoy-fault-abort-request", "429"),
                "an abort header out of range",
                Request.get("/orders", "x-chaos", "1", "x-envoy-fault-abort-request", "99"),
                "no fault",
                Request.get("/orders", "x-chaos", "1")),
            Set.of("x-upstream", "content-type"),
            Set.of("x-envoy-fault-abort-request", "x-chaos"),
            "http.ingress.fault.");

    assertSame(c);
    assertThat(c.attache().get("a route that aborts").status()).isEqualTo(418);
  }

  @Test
  void rbacEnforcesItsRulesAndCountsItsShadowRulesAsEnvoyDoes() throws Exception {
    Compared c =
        compare(
            "rbac",
            """
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: ALLOW
                  policies:
                    public-reads:
                      permissions:
                      - and_rules:
                          rules:
                          - header: { name: ":method", string_match: { exact: GET } }
                          - url_path: { path: { prefix: /public/ } }
                      principals: [{ any: true }]
                    admins:
                      permissions: [{ any: true }]
                      principals:
                      - header: { name: x-role, string_match: { exact: admin } }
                shadow_rules:
                  action: DENY
                  policies:
                    no-debug:
                      permissions: [{ url_path: { path: { prefix: /public/debug } } }]
                      principals: [{ any: true }]
                shadow_rules_stat_prefix: audit_
            """,
            FilterDifferential.ALL_TO_BACKEND,
            "",
            requests(
                "a public read",
                Request.get("/public/items"),
                "a public read the shadow rules deny",
                Request.get("/public/debug"),
                "a public write",
                Request.of("POST", "/public/items", "x"),
                "a private read",
                Request.get("/private"),
                "an admin's private read",
                Request.get("/private", "x-role", "admin"),
                "a path that only normalises to public",
                Request.get("/public/../private")),
            Set.of("x-upstream", "content-type"),
            Set.of("x-role"),
            "http.ingress.rbac.");

    assertSame(c);
    assertThat(c.attache().get("a private read").status()).isEqualTo(403);
  }

  @Test
  void headerToMetadataAndSetMetadataFeedAnRbacMetadataRuleAsEnvoysDo() throws Exception {
    Compared c =
        compare(
            "metadata",
            """
            - name: envoy.filters.http.header_to_metadata
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                request_rules:
                - header: x-tier
                  on_header_present: { metadata_namespace: envoy.lb, key: tier }
                  on_header_missing: { metadata_namespace: envoy.lb, key: tier, value: anonymous }
                  remove: true
            - name: envoy.filters.http.set_metadata
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
                metadata:
                - metadata_namespace: acme
                  value: { zone: blue }
                - metadata_namespace: envoy.lb
                  value: { tier: platinum }
            - name: envoy.filters.http.rbac
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                rules:
                  action: ALLOW
                  policies:
                    paying-in-blue:
                      permissions:
                      - metadata:
                          filter: acme
                          path: [{ key: zone }]
                          value: { string_match: { exact: blue } }
                      principals:
                      - metadata:
                          filter: envoy.lb
                          path: [{ key: tier }]
                          value: { or_match: { value_matchers: [{ string_match: { exact: gold } }, { string_match: { exact: silver } }] } }
            """,
            FilterDifferential.ALL_TO_BACKEND,
            "",
            requests(
                "gold",
                Request.get("/", "x-tier", "gold"),
                "silver",
                Request.get("/", "x-tier", "silver"),
                "bronze",
                Request.get("/", "x-tier", "bronze"),
                "no tier",
                Request.get("/")),
            Set.of("x-upstream", "content-type"),
            Set.of("x-tier"),
            "http.ingress.rbac.");

    assertSame(c);
    assertThat(c.attache().get("gold").status()).isEqualTo(200);
    assertThat(c.attache().get("gold").upstreamHeaders()).doesNotContainKey("x-tier");
    assertThat(c.attache().get("bronze").status()).isEqualTo(403);
  }

  @Test
  void extAuthzOverHttpAllowsDeniesAndPassesHeadersAsEnvoyDoes() throws Exception {
    TestHttpServer authz =
        TestHttpServer.http1(
            r ->
                "yes".equals(r.headers().get("x-allow"))
                    ? Reply.ok("").withHeader("x-user", "alice").withHeader("x-reason", "ok")
                    : new Reply(403, List.of(), "denied by authz").withHeader("x-reason", "nope"));
    closeAfter.add(authz);
    Compared c =
        compare(
            "ext-authz-http",
            """
            - name: envoy.filters.http.ext_authz
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                transport_api_version: V3
                allowed_headers: { patterns: [{ exact: x-allow }] }
                http_service:
                  server_uri: { uri: "http://authz.local", cluster: authz, timeout: 5s }
                  path_prefix: /verify
                  authorization_response:
                    allowed_upstream_headers: { patterns: [{ exact: x-user }] }
                    allowed_client_headers: { patterns: [{ exact: x-reason }] }
            """,
            FilterDifferential.ALL_TO_BACKEND,
            staticCluster("authz", "", authz.port()),
            requests(
                "allowed",
                Request.get("/orders?id=7", "x-allow", "yes", "authorization", "Bearer t"),
                "denied",
                Request.get("/orders", "x-allow", "no"),
                "a forged user header on an allowed request",
                Request.get("/orders", "x-allow", "yes", "x-user", "mallory"),
                "an allowed POST",
                Request.of("POST", "/orders", "{}", "x-allow", "yes")),
            Set.of("x-upstream", "x-reason", "content-type"),
            Set.of("x-user", "x-allow", "authorization"),
            "http.ingress.ext_authz.");

    assertSame(c);
    assertThat(c.attache().get("allowed").upstreamHeaders()).containsEntry("x-user", "alice");
    assertThat(c.attache().get("denied").status()).isEqualTo(403);
    // Each proxy asked the authorization server once per request, in the same words.
    List<String> checks =
        authz.received().stream()
            .map(
                r ->
                    r.method()
                        + " "
                        + r.uri()
                        + " x-allow="
                        + r.headers().get("x-allow")
                        + " authorization="
                        + r.headers().get("authorization")
                        + " content-length="
                        + r.headers().get("content-length"))
            .toList();
    assertThat(checks).hasSize(8);
    assertThat(checks.subList(0, 4)).isEqualTo(checks.subList(4, 8));
  }

  @Test
  void extAuthzWithItsServiceDownDeniesWith403AndCountsAnErrorAsEnvoyDoes() throws Exception {
    int closedPort;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      closedPort = s.getLocalPort();
    }
    Compared c =
        compare(
            "ext-authz-down",
            """
            - name: envoy.filters.http.ext_authz
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                transport_api_version: V3
                http_service:
                  server_uri: { uri: "http://authz.local", cluster: authz, timeout: 5s }
            """,
            FilterDifferential.ALL_TO_BACKEND,
            staticCluster("authz", "", closedPort),
            requests("any request", Request.get("/orders")),
            Set.of("x-upstream", "content-type"),
            Set.of(),
            "http.ingress.ext_authz.");

    assertSame(c);
    assertThat(c.attache().get("any request").status()).isEqualTo(403);
  }

  /** What a WebSocket handshake got: status and the upgrade headers of the response. */
  private record Handshake(int status, String upgrade, String accept) {}

  @Test
  void websocketUpgradesFollowTheConnectionManagersAndTheRoutesUpgradeConfigsAsEnvoys()
      throws Exception {
    try (WebSocketEchoServer ws = new WebSocketEchoServer()) {
      String routes =
          """
          - match: { prefix: "/ws/off" }
            route:
              cluster: ws
              upgrade_configs: [ { upgrade_type: websocket, enabled: false } ]
          - match: { prefix: "/" }
            route: { cluster: ws }
          """;
      String yaml =
          bootstrap(
              "upgrade_configs: [ { upgrade_type: websocket } ]",
              routes,
              staticCluster("ws", "", ws.port()));
      Map<String, Map<String, Handshake>> bySide = new LinkedHashMap<>();
      Map<String, Long> upgrades = new LinkedHashMap<>();
      try (ProxyPair pair = ProxyPair.start(envoy, "websocket", yaml, dir)) {
        for (ProxyPair.Side side : pair.both()) {
          Map<String, Handshake> seen = new LinkedHashMap<>();
          for (String path : List.of("/ws", "/ws/off", "/plain")) {
            seen.put(path, handshake(side.port("ingress"), path));
          }
          bySide.put(side.name(), seen);
          upgrades.put(side.name(), side.stat("http.ingress.downstream_cx_upgrades_total"));
        }
      }
      var values = List.copyOf(bySide.values());
      assertThat(values.get(0)).as("Attaché vs %s", envoy.describe()).isEqualTo(values.get(1));
      assertThat(values.get(0).get("/ws").status()).isEqualTo(101);
      assertThat(values.get(0).get("/ws/off").status()).isEqualTo(403);
      var counts = List.copyOf(upgrades.values());
      assertThat(counts.get(0)).as("downstream_cx_upgrades_total").isEqualTo(counts.get(1));
      // Only the enabled route's handshake reached the upstream, once through each proxy (the
      // server records it as it answers, so the count may trail the client's 101).
      await().atMost(Duration.ofSeconds(20)).until(() -> ws.handshakes().size() >= 2);
      assertThat(ws.handshakes()).hasSize(2);
    }
  }

  private static Handshake handshake(int port, String path) throws Exception {
    try (RawHttp1Client client = new RawHttp1Client(port, 20_000)) {
      client.write(
          "GET "
              + path
              + " HTTP/1.1\r\nhost: ws.example\r\nupgrade: websocket\r\n"
              + "connection: upgrade\r\nsec-websocket-key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
              + "sec-websocket-version: 13\r\n\r\n");
      RawHttp1Client.Response response = client.readResponse();
      return new Handshake(
          response.status(), response.header("upgrade"), response.header("sec-websocket-accept"));
    }
  }

  /**
   * Allows {@code Bearer good} as alice (and removes the credential); denies anything else with
   * 401, a body and a reason header. Records what each check carried, in a proxy-neutral form.
   */
  private static final class Authorization extends AuthorizationGrpc.AuthorizationImplBase {
    final List<String> checks = new CopyOnWriteArrayList<>();

    @Override
    public void check(CheckRequest request, StreamObserver<CheckResponse> response) {
      var http = request.getAttributes().getRequest().getHttp();
      checks.add(
          http.getMethod()
              + " "
              + http.getPath()
              + " host="
              + http.getHost().replaceAll(":\\d+$", ":PORT")
              + " authorization="
              + http.getHeadersMap().get("authorization")
              + " source="
              + request.getAttributes().getSource().getAddress().getSocketAddress().getAddress());
      String auth = http.getHeadersMap().get("authorization");
      CheckResponse answer =
          "Bearer good".equals(auth)
              ? CheckResponse.newBuilder()
                  .setStatus(com.google.rpc.Status.newBuilder().setCode(0))
                  .setOkResponse(
                      OkHttpResponse.newBuilder()
                          .addHeaders(header("x-user", "alice"))
                          .addHeadersToRemove("authorization"))
                  .build()
              : CheckResponse.newBuilder()
                  .setStatus(com.google.rpc.Status.newBuilder().setCode(16))
                  .setDeniedResponse(
                      DeniedHttpResponse.newBuilder()
                          .setStatus(HttpStatus.newBuilder().setCode(StatusCode.Unauthorized))
                          .setBody("bad credentials")
                          .addHeaders(header("x-authz-reason", "token")))
                  .build();
      response.onNext(answer);
      response.onCompleted();
    }

    private static HeaderValueOption header(String name, String value) {
      return HeaderValueOption.newBuilder()
          .setHeader(HeaderValue.newBuilder().setKey(name).setValue(value))
          .build();
    }
  }

  @Test
  void extAuthzOverGrpcAllowsDeniesAndRewritesHeadersAsEnvoyDoes() throws Exception {
    Authorization authorization = new Authorization();
    Server grpc =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(authorization)
            .build()
            .start();
    closeAfter.add(() -> grpc.shutdownNow().awaitTermination(5, TimeUnit.SECONDS));
    Compared c =
        compare(
            "ext-authz-grpc",
            """
            - name: envoy.filters.http.ext_authz
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz
                transport_api_version: V3
                grpc_service: { envoy_grpc: { cluster_name: authz }, timeout: 5s }
            """,
            FilterDifferential.ALL_TO_BACKEND,
            staticCluster("authz", "http2_protocol_options: {}", grpc.getPort()),
            requests(
                "allowed",
                Request.get("/charge?amount=3", "authorization", "Bearer good"),
                "denied",
                Request.get("/charge", "authorization", "Bearer bad"),
                "no credentials",
                Request.get("/charge"),
                "a forged user header",
                Request.get("/charge", "authorization", "Bearer good", "x-user", "mallory")),
            Set.of("x-upstream", "x-authz-reason", "content-type"),
            Set.of("x-user", "authorization"),
            "http.ingress.ext_authz.");

    assertSame(c);
    assertThat(c.attache().get("allowed").upstreamHeaders())
        .containsEntry("x-user", "alice")
        .doesNotContainKey("authorization");
    assertThat(c.attache().get("denied").status()).isEqualTo(401);
    List<String> checks = authorization.checks;
    assertThat(checks).hasSize(8);
    assertThat(checks.subList(0, 4)).isEqualTo(checks.subList(4, 8));
  }

  @Test
  void compressorGzipsWhatTheClientAcceptsAndLeavesTheRestAsEnvoyDoes() throws Exception {
    String json = "{\"items\": [" + "\"attache\", ".repeat(60) + "\"end\"]}";
    upstream.setHandler(
        r ->
            switch (r.uri()) {
              case "/small" -> Reply.ok("{}").withHeader("content-type", "application/json");
              case "/png" -> Reply.ok(json).withHeader("content-type", "image/png");
              case "/plain" -> Reply.ok(json);
              default -> Reply.ok(json).withHeader("content-type", "application/json");
            });
    Compared c =
        compare(
            "compressor",
            """
            - name: envoy.filters.http.compressor
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                compressor_library:
                  name: text
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
                response_direction_config:
                  common_config:
                    min_content_length: 100
            """,
            FilterDifferential.ALL_TO_BACKEND,
            "",
            requests(
                "json, gzip accepted",
                Request.get("/json", "accept-encoding", "gzip"),
                "json, gzip and br accepted",
                Request.get("/json", "accept-encoding", "br;q=0.5, gzip"),
                "json, nothing accepted",
                Request.get("/json"),
                "json, gzip refused",
                Request.get("/json", "accept-encoding", "gzip;q=0"),
                "json, any accepted",
                Request.get("/json", "accept-encoding", "*"),
                "a small body",
                Request.get("/small", "accept-encoding", "gzip"),
                "an image",
                Request.get("/png", "accept-encoding", "gzip"),
                "no content type",
                Request.get("/plain", "accept-encoding", "gzip"),
                "a HEAD",
                Request.of("HEAD", "/json", "", "accept-encoding", "gzip")),
            Set.of("content-encoding", "vary", "content-length", "content-type"),
            Set.of("accept-encoding"),
            "http.ingress.compressor.");

    // Known difference (Envoy 1.40.0): the same four bodies deflate to 252 bytes in Envoy (zlib
    // with its window_bits 12 and memory_level 5, and a flush per chunk) and to fewer in Attaché
    // (java.util.zip cannot narrow the window); the clients inflate the same bodies.
    String bytes = "http.ingress.compressor.text.gzip.response.total_compressed_bytes";
    SortedMap<String, Long> attacheStats = new java.util.TreeMap<>(c.attacheStats());
    SortedMap<String, Long> envoyStats = new java.util.TreeMap<>(c.envoyStats());
    assertThat(envoyStats.remove(bytes)).as("Envoy's %s", bytes).isEqualTo(252L);
    assertThat(attacheStats.remove(bytes)).as("Attaché's %s", bytes).isPositive().isLessThan(252L);
    assertSame(new Compared(c.attache(), c.envoy(), attacheStats, envoyStats));
    assertThat(c.attache().get("json, gzip accepted").responseHeaders())
        .containsEntry("content-encoding", "gzip");
  }

  @Test
  void brotliAndZstdCompressorsNegotiateAndEncodeAsEnvoysDo() throws Exception {
    String json = "{\"items\": [" + "\"attache\", \"brotli\", \"zstd\", ".repeat(200) + "\"end\"]}";
    upstream.setHandler(r -> Reply.ok(json).withHeader("content-type", "application/json"));
    Compared c =
        compare(
            "native-compressors",
            NativeCompressorsIT.COMPRESSORS,
            FilterDifferential.ALL_TO_BACKEND,
            "",
            requests(
                "br accepted",
                Request.get("/json", "accept-encoding", "br"),
                "zstd accepted",
                Request.get("/json", "accept-encoding", "zstd"),
                "both, zstd preferred",
                Request.get("/json", "accept-encoding", "br;q=0.5, zstd;q=0.8"),
                "both, equal",
                Request.get("/json", "accept-encoding", "br, zstd"),
                "gzip only",
                Request.get("/json", "accept-encoding", "gzip"),
                "nothing accepted",
                Request.get("/json")),
            Set.of("content-encoding", "vary", "content-length", "content-type"),
            Set.of("accept-encoding"),
            "http.ingress.compressor.");

    // The decoded bodies, the chosen coding and every counter must agree; the compressed sizes
    // are the libraries' (libbrotli and libzstd in both, but chunking decides the bytes), so they
    // are only checked to have moved.
    SortedMap<String, Long> attacheStats = new java.util.TreeMap<>(c.attacheStats());
    SortedMap<String, Long> envoyStats = new java.util.TreeMap<>(c.envoyStats());
    for (SortedMap<String, Long> stats : List.of(attacheStats, envoyStats)) {
      assertThat(stats.keySet().removeIf(name -> name.endsWith(".total_compressed_bytes")))
          .as("compressed bytes counted")
          .isTrue();
    }
    assertSame(new Compared(c.attache(), c.envoy(), attacheStats, envoyStats));
    assertThat(c.attache().get("br accepted").responseHeaders())
        .containsEntry("content-encoding", "br");
    assertThat(c.attache().get("both, zstd preferred").responseHeaders())
        .containsEntry("content-encoding", "zstd");
  }

  @Test
  void xForwardedProtoFromATrustedClientDecidesRequireTlsAndReachesTheUpstreamAsInEnvoy()
      throws Exception {
    String yaml =
        bootstrap(
                "",
                FilterDifferential.ALL_TO_BACKEND,
                staticCluster("backend", "", upstream.port()))
            .replace(
                "domains: [\"*\"]\n", "domains: [\"*\"]\n" + " ".repeat(14) + "require_tls: ALL\n");
    assertThat(yaml).contains("require_tls: ALL");
    Map<String, Request> requests =
        requests(
            "plain http",
            Request.get("/orders?id=1"),
            "forwarded as https",
            Request.get("/orders?id=1", "x-forwarded-proto", "https"),
            "forwarded as http",
            Request.get("/orders", "x-forwarded-proto", "http"),
            "forwarded as something else",
            Request.get("/orders", "x-forwarded-proto", "gopher"));
    ExchangeRecorder recorder =
        new ExchangeRecorder(
            upstream, Set.of("location", "x-upstream"), Set.of("x-forwarded-proto"));
    try (ProxyPair pair = ProxyPair.start(envoy, "forwarded-proto", yaml, dir)) {
      Map<String, Observed> fromAttache = recorder.send(pair.attache().port("ingress"), requests);
      Map<String, Observed> fromEnvoy = recorder.send(pair.envoy().port("ingress"), requests);
      assertThat(fromAttache).as("Attaché vs %s", envoy.describe()).isEqualTo(fromEnvoy);
      assertThat(fromAttache.get("plain http").status()).isEqualTo(301);
      assertThat(fromAttache.get("forwarded as https").forwarded()).isTrue();
    }
  }

  /**
   * An HCM without {@code http_filters} runs no filter in Envoy 1.40 — no router is added — so
   * neither a route to a cluster nor a {@code direct_response} is answered; the stream idle timeout
   * ends the request — 504, the request being complete (408 while it is not) — and the upstream
   * never sees it. (The census found this: Envoy's {@code ssl.yaml} example has no filters.)
   */
  @Test
  void noHttpFiltersLeaveARequestToTheStreamIdleTimeoutAsEnvoyDoes() throws Exception {
    String yaml =
        ProxyPair.withHttpFilters(
            bootstrap(
                "stream_idle_timeout: 0.5s",
                """
                - match: { prefix: "/direct" }
                  direct_response: { status: 299, body: { inline_string: "direct" } }
                """
                    + FilterDifferential.ALL_TO_BACKEND,
                staticCluster("backend", "", upstream.port())),
            "http_filters: []\n");
    ExchangeRecorder recorder = new ExchangeRecorder(upstream, Set.of(), Set.of());
    Map<String, Request> requests =
        requests("routed", Request.get("/orders"), "direct response", Request.get("/direct"));
    try (ProxyPair pair = ProxyPair.start(envoy, "no-http-filters", yaml, dir)) {
      Map<String, Observed> fromAttache = recorder.send(pair.attache().port("ingress"), requests);
      Map<String, Observed> fromEnvoy = recorder.send(pair.envoy().port("ingress"), requests);

      assertThat(fromAttache).as("Attaché vs %s", envoy.describe()).isEqualTo(fromEnvoy);
      assertThat(fromAttache.values())
          .allSatisfy(
              o -> {
                assertThat(o.status()).isEqualTo(504);
                assertThat(o.body()).isEqualTo("stream timeout");
                assertThat(o.forwarded()).isFalse();
              });
      assertThat(pair.attache().stat("http.ingress.downstream_rq_idle_timeout"))
          .isEqualTo(pair.envoy().stat("http.ingress.downstream_rq_idle_timeout"))
          .isEqualTo(2);
    }
  }
}
