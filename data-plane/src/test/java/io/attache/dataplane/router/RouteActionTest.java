package io.attache.dataplane.router;

import static io.attache.dataplane.router.TestConfigs.get;
import static io.attache.dataplane.router.TestConfigs.route;
import static io.attache.dataplane.router.TestConfigs.routes;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class RouteActionTest {
  private static RouteDecision.Forward forward(RouteTable table, HttpRequest request) {
    RouteDecision decision = route(table, request);
    assertThat(decision).isInstanceOf(RouteDecision.Forward.class);
    return (RouteDecision.Forward) decision;
  }

  private static RouteDecision.Redirect redirect(
      String redirectJson, String match, HttpRequest request) {
    RouteTable table =
        routes("[{\"name\":\"r\",\"match\":" + match + ",\"redirect\":" + redirectJson + "}]");
    RouteDecision decision = route(table, request);
    assertThat(decision).isInstanceOf(RouteDecision.Redirect.class);
    return (RouteDecision.Redirect) decision;
  }

  @Test
  void forwardCarriesTheRoutesDefaults() {
    RouteDecision.Forward forward =
        forward(
            routes(
                "[{\"name\":\"r1\",\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]"),
            get("h", "/x"));
    assertThat(forward.cluster()).isEqualTo("c");
    assertThat(forward.rewrittenPath()).isEmpty();
    assertThat(forward.hostRewrite()).isEmpty();
    assertThat(forward.hash()).isEmpty();
    assertThat(forward.policy())
        .isEqualTo(
            new RoutePolicy(
                "r1",
                "vh",
                Duration.ofSeconds(15),
                Optional.empty(),
                io.attache.dataplane.retry.RetryPolicyConfig.NONE,
                RoutingPriority.DEFAULT,
                OptionalInt.empty(),
                503,
                false,
                false,
                java.util.List.of(),
                java.util.Map.of(),
                Optional.empty(),
                Optional.empty(),
                io.attache.dataplane.ratelimit.RouteRateLimits.NONE));
  }

  @Test
  void timeoutsPriorityAndBufferLimitComeFromTheRoute() {
    RouteDecision.Forward forward =
        forward(
            routes(
                "[{\"match\":{\"prefix\":\"/\"},\"per_request_buffer_limit_bytes\":1024,"
                    + "\"route\":{\"cluster\":\"c\",\"timeout\":\"0s\",\"idle_timeout\":\"2.5s\",\"priority\":\"HIGH\"}}]"),
            get("h", "/"));
    assertThat(forward.policy().timeout()).isZero();
    assertThat(forward.policy().idleTimeout()).contains(Duration.ofMillis(2500));
    assertThat(forward.policy().priority()).isEqualTo(RoutingPriority.HIGH);
    assertThat(forward.policy().perRequestBufferLimitBytes()).hasValue(1024);
  }

  @Test
  void routeRetryPolicyReplacesTheVirtualHostsEntirely() {
    RouteTable table =
        TestConfigs.table(
            "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"retry_policy\":{\"retry_on\":\"5xx\",\"num_retries\":7},"
                + "\"routes\":[{\"match\":{\"path\":\"/own\"},\"route\":{\"cluster\":\"c\",\"retry_policy\":{\"retry_on\":\"reset\"}}},"
                + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]}]}");
    assertThat(forward(table, get("h", "/own")).policy().retryPolicy().retryOn())
        .containsExactly(io.attache.dataplane.retry.RetryOn.RESET);
    assertThat(forward(table, get("h", "/own")).policy().retryPolicy().numRetries()).isEqualTo(1);
    assertThat(forward(table, get("h", "/other")).policy().retryPolicy().numRetries()).isEqualTo(7);
  }

  @Test
  void clusterHeaderNamesTheClusterAndItsAbsenceIsClusterNotFound() {
    RouteTable table =
        routes(
            "[{\"name\":\"dyn\",\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster_header\":\"X-Cluster\",\"cluster_not_found_response_code\":\"NOT_FOUND\"}}]");
    HttpRequest request = get("h", "/");
    request.headers().add("x-cluster", "first").add("x-cluster", "second");
    assertThat(forward(table, request).cluster()).isEqualTo("first");
    RouteDecision missing = route(table, get("h", "/"));
    assertThat(missing).isInstanceOf(RouteDecision.ClusterNotFound.class);
    assertThat(((RouteDecision.ClusterNotFound) missing).status()).isEqualTo(404);
    RouteDecision defaultCode =
        route(
            routes("[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster_header\":\"x-c\"}}]"),
            get("h", "/"));
    assertThat(((RouteDecision.ClusterNotFound) defaultCode).status()).isEqualTo(503);
  }

  @Test
  void prefixRewriteReplacesTheMatchedPrefixAndKeepsTheQuery() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/prefix/\"},\"route\":{\"cluster\":\"c\",\"prefix_rewrite\":\"/\"}},"
                + "{\"match\":{\"prefix\":\"/prefix\"},\"route\":{\"cluster\":\"c\",\"prefix_rewrite\":\"/\"}}]");
    assertThat(forward(table, get("h", "/prefix/etc?a=1")).rewrittenPath()).contains("/etc?a=1");
    assertThat(forward(table, get("h", "/prefix")).rewrittenPath()).contains("/");
  }

  @Test
  void regexRewriteSubstitutesGroupsInThePathOnly() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"regex_rewrite\":"
                + "{\"pattern\":{\"regex\":\"^/service/([^/]+)(/.*)$\"},\"substitution\":\"\\\\2/instance/\\\\1\"}}}]");
    assertThat(forward(table, get("h", "/service/foo/v1/api?q=/service/x/y")).rewrittenPath())
        .contains("/v1/api/instance/foo?q=/service/x/y");
    RouteTable global =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"one\"},\"substitution\":\"two\"}}}]");
    assertThat(forward(global, get("h", "/xxx/one/yyy/one/zzz")).rewrittenPath())
        .contains("/xxx/two/yyy/two/zzz");
  }

  @Test
  void finalizeRequestAppliesHeadersThenHostThenPath() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/old\"},\"request_headers_to_add\":[{\"header\":{\"key\":\"x-seen-path\",\"value\":\"%REQ(:path)%\"}}],"
                + "\"route\":{\"cluster\":\"c\",\"prefix_rewrite\":\"/new\",\"host_rewrite_literal\":\"upstream.internal\",\"append_x_forwarded_host\":true}}]");
    HttpRequest request = get("public.example.com", "/old/x");
    RouteDecision.Forward forward = forward(table, request);
    forward.finalizeRequest(
        request,
        FormatterContext.Snapshot.forRequest(null, null, "HTTP/1.1", request.headers()),
        true);
    assertThat(request.uri()).isEqualTo("/new/x");
    assertThat(request.headers().get("host")).isEqualTo("upstream.internal");
    assertThat(request.headers().get("x-forwarded-host")).isEqualTo("public.example.com");
    assertThat(request.headers().get("x-envoy-original-path")).isEqualTo("/old/x");
    assertThat(request.headers().get("x-envoy-original-host"))
        .as("kept as stock Envoy 1.40 keeps it")
        .isEqualTo("public.example.com");
    // Netty's header map has no :path, so %REQ(:path)% is empty and the empty value is dropped.
    assertThat(request.headers().get("x-seen-path")).isNull();
  }

  @Test
  void hostRewriteFromHeaderAndFromPathRegex() {
    RouteTable byHeader =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"host_rewrite_header\":\"x-host\"}}]");
    HttpRequest request = get("h", "/");
    request.headers().set("x-host", "from-header");
    assertThat(forward(byHeader, request).hostRewrite()).contains("from-header");
    assertThat(forward(byHeader, get("h", "/")).hostRewrite()).isEmpty();
    RouteTable byPath =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"host_rewrite_path_regex\":"
                + "{\"pattern\":{\"regex\":\"^/([^/]+)/.+$\"},\"substitution\":\"\\\\1\"}}}]");
    assertThat(forward(byPath, get("h", "/envoyproxy.io/some/path?x")).hostRewrite())
        .contains("envoyproxy.io");
    RouteTable auto =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"auto_host_rewrite\":true}}]");
    assertThat(forward(auto, get("h", "/")).policy().autoHostRewrite()).isTrue();
  }

  @Test
  void directResponseCarriesStatusBodyAndResponseMutations() {
    RouteTable table =
        routes(
            "[{\"name\":\"dr\",\"match\":{\"prefix\":\"/\"},\"response_headers_to_add\":[{\"header\":{\"key\":\"x-dr\",\"value\":\"1\"}}],"
                + "\"direct_response\":{\"status\":418,\"body\":{\"inline_string\":\"teapot\"}}}]");
    RouteDecision.DirectResponse direct =
        (RouteDecision.DirectResponse) route(table, get("h", "/"));
    assertThat(direct.status()).isEqualTo(418);
    assertThat(direct.body()).contains(ByteString.copyFromUtf8("teapot"));
    assertThat(direct.routeName()).isEqualTo("dr");
    io.netty.handler.codec.http.HttpHeaders response =
        new io.netty.handler.codec.http.DefaultHttpHeaders();
    direct
        .responseHeaderMutations()
        .apply(
            response,
            FormatterContext.Snapshot.forRequest(
                null, null, "HTTP/1.1", EmptyHttpHeaders.INSTANCE));
    assertThat(response.get("x-dr")).isEqualTo("1");
    RouteDecision.DirectResponse noBody =
        (RouteDecision.DirectResponse)
            route(
                routes("[{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":204}}]"),
                get("h", "/"));
    assertThat(noBody.body()).isEmpty();
  }

  @Test
  void redirectDefaultsTo301AndKeepsSchemeHostAndPath() {
    RouteDecision.Redirect r =
        redirect(
            "{\"host_redirect\":\"new.example.com\"}",
            "{\"prefix\":\"/\"}",
            get("old.example.com", "/a?b=c"));
    assertThat(r.status()).isEqualTo(301);
    assertThat(r.location()).isEqualTo("http://new.example.com/a?b=c");
  }

  @Test
  void httpsRedirectDropsTheDefaultHttpPortOnly() {
    assertThat(
            redirect("{\"https_redirect\":true}", "{\"prefix\":\"/\"}", get("h.com:80", "/p"))
                .location())
        .isEqualTo("https://h.com/p");
    assertThat(
            redirect("{\"https_redirect\":true}", "{\"prefix\":\"/\"}", get("h.com:8080", "/p"))
                .location())
        .isEqualTo("https://h.com:8080/p");
  }

  @Test
  void portRedirectReplacesThePort() {
    assertThat(
            redirect(
                    "{\"port_redirect\":8443,\"scheme_redirect\":\"https\"}",
                    "{\"prefix\":\"/\"}",
                    get("h.com:8080", "/p"))
                .location())
        .isEqualTo("https://h.com:8443/p");
  }

  @Test
  void pathRedirectQueryRulesFollowEnvoy() {
    String match = "{\"prefix\":\"/\"}";
    assertThat(
            redirect("{\"path_redirect\":\"/new-path-1\"}", match, get("h", "/old-path-1?bar=1"))
                .location())
        .isEqualTo("http://h/new-path-1?bar=1");
    assertThat(
            redirect(
                    "{\"path_redirect\":\"/new-path-2\",\"strip_query\":true}",
                    match,
                    get("h", "/old-path-2?bar=1"))
                .location())
        .isEqualTo("http://h/new-path-2");
    assertThat(
            redirect(
                    "{\"path_redirect\":\"/new-path-3?foo=1\",\"strip_query\":true}",
                    match,
                    get("h", "/old-path-3?bar=1"))
                .location())
        .isEqualTo("http://h/new-path-3?foo=1");
  }

  @Test
  void redirectPrefixAndRegexRewritesAndResponseCode() {
    assertThat(
            redirect(
                "{\"prefix_rewrite\":\"/v2/\",\"response_code\":\"PERMANENT_REDIRECT\"}",
                "{\"prefix\":\"/v1/\"}",
                get("h", "/v1/items?x=1")))
        .satisfies(
            r -> {
              assertThat(r.status()).isEqualTo(308);
              assertThat(r.location()).isEqualTo("http://h/v2/items?x=1");
            });
    assertThat(
            redirect(
                    "{\"regex_rewrite\":{\"pattern\":{\"regex\":\"^/u/([0-9]+)$\"},\"substitution\":\"/users/\\\\1\"},\"response_code\":\"FOUND\"}",
                    "{\"prefix\":\"/u/\"}",
                    get("h", "/u/7?z"))
                .location())
        .isEqualTo("http://h/users/7?z");
  }

  @Test
  void requireTlsAllRedirectsPlainRequests() {
    RouteTable table =
        TestConfigs.table(
            "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"require_tls\":\"ALL\","
                + "\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]}]}");
    RouteDecision decision = route(table, get("secure.com", "/x?y"));
    assertThat(decision)
        .isEqualTo(
            new RouteDecision.Redirect(301, "https://secure.com/x?y", HeaderMutations.NONE, ""));
    assertThat(
            table.route(
                get("secure.com", "/x"), RandomSource.seeded(1), RequestContext.of("https", null)))
        .isInstanceOf(RouteDecision.Forward.class);
  }

  @Test
  void requireTlsAsksXForwardedProtoBeforeTheConnectionsSchemeAsEnvoyDoes() {
    RouteTable table =
        TestConfigs.table(
            "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"require_tls\":\"ALL\","
                + "\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]}]}");
    HttpRequest behindTls = get("secure.com", "/x");
    behindTls.headers().set("x-forwarded-proto", "https");
    HttpRequest plain = get("secure.com", "/x");
    plain.headers().set("x-forwarded-proto", "http");

    assertThat(table.route(behindTls, RandomSource.seeded(1), RequestContext.of("http", null)))
        .isInstanceOf(RouteDecision.Forward.class);
    assertThat(table.route(plain, RandomSource.seeded(1), RequestContext.of("https", null)))
        .isInstanceOf(RouteDecision.Redirect.class);
  }

  @Test
  void requireTlsExternalOnlyLetsInternalRequestsThrough() {
    RouteTable table =
        TestConfigs.table(
            "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"require_tls\":\"EXTERNAL_ONLY\","
                + "\"routes\":[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}]}]}");
    HttpRequest internal = get("h", "/");
    internal.headers().set("x-envoy-internal", "true");
    assertThat(route(table, internal)).isInstanceOf(RouteDecision.Forward.class);
    assertThat(route(table, get("h", "/"))).isInstanceOf(RouteDecision.Redirect.class);
  }

  @Test
  void hashPolicyCombinesHeaderCookieSourceIpAndQueryLikeEnvoy() throws Exception {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"hash_policy\":["
                + "{\"header\":{\"header_name\":\"x-user\"}},"
                + "{\"cookie\":{\"name\":\"session\"}},"
                + "{\"connection_properties\":{\"source_ip\":true}},"
                + "{\"query_parameter\":{\"name\":\"shard\"}}]}}]");
    HttpRequest request = get("h", "/?shard=7");
    request.headers().set("x-user", "alice");
    request.headers().set("cookie", "a=1; session=\"s-1\"");
    RequestContext context = RequestContext.of("http", InetAddress.getByName("192.168.1.10"));
    RouteDecision.Forward forward =
        (RouteDecision.Forward) table.route(request, RandomSource.seeded(1), context);
    long expected = 0;
    for (String part : new String[] {"alice", "s-1", "192.168.1.10", "7"}) {
      expected =
          (expected == 0 && part.equals("alice") ? 0 : Long.rotateLeft(expected, 1))
              ^ HashPolicy.hash(part);
    }
    assertThat(forward.hash()).hasValue(expected);
    assertThat(HashPolicy.hash("192.168.1.10")).isEqualTo(0xa9a745ddd278c452L);
  }

  @Test
  void terminalHashPolicyStopsOnceAHashExists() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"hash_policy\":["
                + "{\"header\":{\"header_name\":\"x-a\"},\"terminal\":true},"
                + "{\"header\":{\"header_name\":\"x-b\"}}]}}]");
    HttpRequest both = get("h", "/");
    both.headers().set("x-a", "a").set("x-b", "b");
    assertThat(forward(table, both).hash()).hasValue(HashPolicy.hash("a"));
    HttpRequest onlyB = get("h", "/");
    onlyB.headers().set("x-b", "b");
    assertThat(forward(table, onlyB).hash()).hasValue(HashPolicy.hash("b"));
    assertThat(forward(table, get("h", "/")).hash()).isEmpty();
  }

  @Test
  void headerHashIgnoresValueOrderAndCanRewriteTheValue() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"hash_policy\":["
                + "{\"header\":{\"header_name\":\"x-a\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"-v[0-9]+$\"},\"substitution\":\"\"}}}]}}]");
    HttpRequest first = get("h", "/");
    first.headers().add("x-a", "foo-v1").add("x-a", "bar-v2");
    HttpRequest second = get("h", "/");
    second.headers().add("x-a", "bar-v9").add("x-a", "foo-v3");
    assertThat(forward(table, first).hash()).isEqualTo(forward(table, second).hash());
    assertThat(forward(table, first).hash()).hasValue(HashPolicy.hash("barfoo"));
  }
}
