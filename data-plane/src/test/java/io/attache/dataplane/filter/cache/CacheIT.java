package io.attache.dataplane.filter.cache;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The cache filter on real sockets, with the cache example's filter config: a real origin counts
 * what reaches it; fresh responses come from the proxy with an {@code age}, {@code no-cache} ones
 * are validated with the stored etag and a 304 is answered with the stored body.
 */
class CacheIT {
  static final String FILTERS =
      """
      http_filters:
      - name: envoy.filters.http.cache
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.cache.v3.CacheConfig
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
          allowed_vary_headers: [{ exact: accept }]
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream = TestHttpServer.http1(CachingUpstream.handler());
    proxy =
        ProxyHarness.start(
            io.attache.dataplane.testing.ProxyPair.withHttpFilters(
                bootstrap(
                    "",
                    "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                    staticCluster("backend", "", upstream.port())),
                FILTERS));
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private HttpResponse<String> get(String path, String... headers) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(proxy.uri(path)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      b.header(headers[i], headers[i + 1]);
    }
    return proxy.send(b);
  }

  @Test
  void aFreshResponseIsServedByTheProxyWithoutReachingTheOrigin() throws Exception {
    HttpResponse<String> first = get("/fresh");
    HttpResponse<String> second = get("/fresh");
    HttpResponse<String> third = get("/fresh");

    assertThat(upstream.received()).hasSize(1);
    assertThat(first.headers().firstValue("age")).isEmpty();
    assertThat(second.body()).isEqualTo("GET /fresh").isEqualTo(first.body());
    assertThat(second.headers().firstValue("age")).isPresent();
    assertThat(third.headers().firstValue("etag")).contains(CachingUpstream.ETAG);
  }

  @Test
  void aNoCacheResponseIsValidatedEveryTimeAndA304ServesTheStoredBody() throws Exception {
    get("/no-cache");
    HttpResponse<String> validated = get("/no-cache");

    assertThat(upstream.received()).hasSize(2);
    assertThat(upstream.received().get(1).headers().get("if-none-match"))
        .isEqualTo(CachingUpstream.ETAG);
    assertThat(upstream.received().get(1).headers().contains("if-modified-since")).isTrue();
    assertThat(validated.statusCode()).isEqualTo(200);
    assertThat(validated.body()).isEqualTo("GET /no-cache");
    assertThat(validated.headers().firstValue("age")).isEmpty();
  }

  @Test
  void variantsByAcceptAndBypassesReachTheOriginAsTheyShould() throws Exception {
    get("/vary", "accept", "text/plain");
    get("/vary", "accept", "text/plain");
    get("/vary", "accept", "application/json");
    assertThat(upstream.received()).hasSize(2);

    get("/private");
    get("/private");
    get("/vary", "authorization", "Bearer t", "accept", "text/plain");
    assertThat(upstream.received()).hasSize(5);

    HttpResponse<String> range = get("/vary", "accept", "text/plain", "range", "bytes=0-2");
    assertThat(range.statusCode()).isEqualTo(206);
    assertThat(range.body()).isEqualTo("GET");
    assertThat(range.headers().firstValue("content-range")).contains("bytes 0-2/9");
    assertThat(upstream.received()).hasSize(5);
  }
}
