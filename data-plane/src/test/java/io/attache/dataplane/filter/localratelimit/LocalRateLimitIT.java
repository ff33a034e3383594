package io.attache.dataplane.filter.localratelimit;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The local rate limit filter on real sockets: a listener-wide bucket, a route with its own, and a
 * descriptor per client header, counting what the upstream really saw. Fill intervals are long
 * enough that no fill happens during a test, so the outcome never depends on the machine's speed.
 */
class LocalRateLimitIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.local_ratelimit
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
                    stat_prefix: edge_limit
                    token_bucket: { max_tokens: 3, fill_interval: 3600s }
                    filter_enabled: { default_value: { numerator: 100 } }
                    filter_enforced: { default_value: { numerator: 100 } }
                    enable_x_ratelimit_headers: DRAFT_VERSION_03
                    response_headers_to_add:
                    - header: { key: x-local-rate-limit, value: "true" }
                    descriptors:
                    - entries: [ { key: tenant, value: free } ]
                      token_bucket: { max_tokens: 1, fill_interval: 3600s }
                    rate_limits:
                    - actions:
                      - request_headers: { header_name: x-tenant, descriptor_key: tenant }
      """;

  private static final String ROUTES =
      """
      - match: { prefix: "/login" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.local_ratelimit:
            "@type": type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit
            stat_prefix: login_limit
            token_bucket: { max_tokens: 1, fill_interval: 3600s }
            filter_enabled: { default_value: { numerator: 100 } }
            filter_enforced: { default_value: { numerator: 100 } }
      - match: { prefix: "/" }
        route: { cluster: backend }
      """;

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

  private void start() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap("", ROUTES, staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", FILTERS));
  }

  @Test
  void theListenersBucketLetsThreeRequestsReachTheUpstreamThenAnswers429() throws Exception {
    start();

    for (int i = 0; i < 3; i++) {
      assertThat(proxy.get("/api/" + i).statusCode()).isEqualTo(200);
    }
    HttpResponse<String> limited = proxy.get("/api/3");

    assertThat(limited.statusCode()).isEqualTo(429);
    assertThat(limited.body()).isEqualTo("local_rate_limited");
    assertThat(limited.headers().firstValue("x-local-rate-limit")).contains("true");
    assertThat(limited.headers().firstValue("x-ratelimit-limit")).contains("3");
    assertThat(limited.headers().firstValue("x-ratelimit-remaining")).contains("0");
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/api/0", "/api/1", "/api/2");
    assertThat(proxy.stat("edge_limit.http_local_rate_limit.ok")).isEqualTo(3);
    assertThat(proxy.stat("edge_limit.http_local_rate_limit.enforced")).isEqualTo(1);
  }

  @Test
  void aRouteWithItsOwnLimitDoesNotSpendTheListenersTokens() throws Exception {
    start();

    assertThat(proxy.get("/login").statusCode()).isEqualTo(200);
    assertThat(proxy.get("/login").statusCode()).isEqualTo(429);
    assertThat(proxy.get("/home").statusCode()).isEqualTo(200);

    assertThat(proxy.stat("login_limit.http_local_rate_limit.rate_limited")).isEqualTo(1);
    assertThat(proxy.stat("edge_limit.http_local_rate_limit.ok")).isEqualTo(1);
    assertThat(upstream.received()).hasSize(2);
  }

  @Test
  void aTenantHeaderSelectsTheTenantsStricterBucket() throws Exception {
    start();

    HttpResponse<String> first = proxy.send(tenant("free"));
    HttpResponse<String> second = proxy.send(tenant("free"));
    HttpResponse<String> paying = proxy.send(tenant("paying"));

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(first.headers().firstValue("x-ratelimit-limit")).contains("1");
    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(paying.statusCode()).isEqualTo(200);
    assertThat(paying.headers().firstValue("x-ratelimit-limit")).contains("3");
  }

  private HttpRequest.Builder tenant(String name) {
    return HttpRequest.newBuilder(proxy.uri("/api")).header("x-tenant", name).GET();
  }
}
