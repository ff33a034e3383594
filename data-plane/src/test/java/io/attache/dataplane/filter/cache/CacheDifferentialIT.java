package io.attache.dataplane.filter.cache;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.trust.LocalAddress;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cache filter differentially: one bootstrap (the cache example's filter, with {@code
 * allowed_vary_headers}), the same request sequence through Attaché and a stock Envoy 1.40 against
 * the same real origin, compared request by request — status, body, the caching headers, and
 * whether and how the request reached the origin: its validators, and whether it came through the
 * router (the route's rewrites, {@code x-envoy-expected-rq-timeout-ms}) or, looked up and not
 * served, through Envoy's asynchronous client ({@code x-envoy-internal}, the server's own address
 * in {@code x-forwarded-for}, the route skipped). {@code age} is compared as present or absent: its
 * value is wall-clock seconds. Byte ranges are left out here: through the in-process proxy a suffix
 * range served after a single range timed out (twice, under load 27), which the same sequence
 * through {@code attache proxy} did not reproduce; {@code CacheFilterTest} and {@code CacheIT}
 * cover ranges, and the cause is still open. Vary is left out too: stock Envoy 1.40.0 crashed
 * (segmentation fault) on the first response with {@code vary: accept} under this {@code
 * allowed_vary_headers}; {@code CacheIT} covers variants.
 */
@ExtendWith(StockEnvoyExtension.class)
class CacheDifferentialIT {
  @TempDir Path dir;
  private TestHttpServer upstream;

  @BeforeEach
  void start() {
    upstream = TestHttpServer.http1(CachingUpstream.handler());
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  private static Map<String, Request> sequence() {
    Map<String, Request> r = new LinkedHashMap<>();
    r.put("01 first GET", Request.get("/fresh"));
    r.put("02 second GET: a hit", Request.get("/fresh"));
    r.put("03 HEAD of a stored GET", Request.of("HEAD", "/fresh", ""));
    r.put("08 authorization", Request.get("/fresh", "authorization", "Bearer t"));
    r.put("09 request no-cache: validated", Request.get("/fresh", "cache-control", "no-cache"));
    r.put("10 conditional request", Request.get("/fresh", "if-none-match", "\"v1\""));
    r.put("11 POST", Request.of("POST", "/fresh", "x"));
    r.put("12 HEAD first", Request.of("HEAD", "/head-only", ""));
    r.put("13 HEAD again: not stored", Request.of("HEAD", "/head-only", ""));
    r.put("14 no-cache response", Request.get("/no-cache"));
    r.put("15 no-cache response again: 304 merged", Request.get("/no-cache"));
    r.put("16 private", Request.get("/private"));
    r.put("17 private again", Request.get("/private"));
    r.put("21 request no-store", Request.get("/no-store-request", "cache-control", "no-store"));
    r.put("22 after no-store", Request.get("/no-store-request"));
    r.put("23 query is in the key", Request.get("/fresh?x=1"));
    r.put("24 max-stale request on fresh", Request.get("/fresh?x=1", "cache-control", "max-stale"));
    r.put("25 rewriting route, looked up: the route is skipped", Request.get("/rw/a"));
    r.put("26 rewriting route, POST: routed", Request.of("POST", "/rw/a", "x"));
    r.put(
        "27 a caller's x-forwarded-for, looked up",
        Request.get("/xff", "x-forwarded-for", "203.0.113.9"));
    return r;
  }

  /** The sequence in order, one request at a time, so a failure names its request. */
  private static Map<String, Observed> sendEach(ExchangeRecorder recorder, int port)
      throws Exception {
    Map<String, Observed> out = new LinkedHashMap<>();
    for (Map.Entry<String, Request> e : sequence().entrySet()) {
      try {
        out.putAll(recorder.send(port, Map.of(e.getKey(), e.getValue())));
      } catch (java.io.IOException failed) {
        throw new AssertionError("request \"" + e.getKey() + "\" failed: " + failed, failed);
      }
    }
    return out;
  }

  /**
   * {@code age}, and the {@code if-modified-since} a validation carries (the stored {@code date}),
   * reduced to whether they are there: both are wall-clock seconds.
   */
  private static Map<String, Observed> withTimesAsPresence(Map<String, Observed> observed) {
    Map<String, Observed> out = new LinkedHashMap<>();
    observed.forEach(
        (name, o) -> {
          TreeMap<String, String> headers = new TreeMap<>(o.responseHeaders());
          headers.computeIfPresent("age", (k, v) -> "present");
          TreeMap<String, String> upstream = null;
          if (o.upstreamHeaders() != null) {
            upstream = new TreeMap<>(o.upstreamHeaders());
            upstream.computeIfPresent("if-modified-since", (k, v) -> "present");
          }
          out.put(name, new Observed(o.status(), o.body(), headers, upstream));
        });
    return out;
  }

  @Test
  void theSameRequestsReachTheOriginAndGetTheSameAnswersAsThroughEnvoy(Envoy envoy)
      throws Exception {
    String yaml =
        ProxyPair.withHttpFilters(
            bootstrap(
                "",
                """
                - match: { prefix: "/rw/" }
                  route: { cluster: backend, prefix_rewrite: "/rewritten/", timeout: 3s }
                  request_headers_to_add: [{ header: { key: x-route-added, value: "yes" } }]
                - match: { prefix: "/" }
                  route: { cluster: backend }
                """,
                staticCluster("backend", "", upstream.port())),
            CacheIT.FILTERS);
    ExchangeRecorder recorder =
        new ExchangeRecorder(
            upstream,
            Set.of("age", "etag", "cache-control", "content-range", "content-length", "vary"),
            Set.of(
                "if-none-match",
                "if-modified-since",
                "range",
                "authorization",
                "cache-control",
                "host",
                "x-envoy-internal",
                "x-forwarded-for",
                "x-envoy-expected-rq-timeout-ms",
                "x-envoy-original-path",
                "x-route-added"));
    Map<String, Observed> attache;
    Map<String, Observed> stock;
    try (ProxyPair pair = ProxyPair.start(envoy, "cache", yaml, dir)) {
      attache = withTimesAsPresence(sendEach(recorder, pair.attache().port("ingress")));
      stock = withTimesAsPresence(sendEach(recorder, pair.envoy().port("ingress")));
    }

    assertThat(attache).as("Attaché vs %s", envoy.describe()).isEqualTo(stock);
    assertThat(attache.get("02 second GET: a hit").forwarded()).isFalse();
    assertThat(attache.get("15 no-cache response again: 304 merged").upstreamHeaders())
        .containsEntry("if-none-match", CachingUpstream.ETAG)
        .containsEntry("x-envoy-internal", "true");
    // What the cache looks up and cannot serve goes upstream through Envoy's asynchronous client:
    // internal, from this server, no route timeout announced, none of the route's rewrites.
    String self = LocalAddress.get().getHostAddress();
    assertThat(attache.get("01 first GET").upstreamHeaders())
        .containsEntry("x-envoy-internal", "true")
        .containsEntry("x-forwarded-for", self)
        .doesNotContainKey("x-envoy-expected-rq-timeout-ms");
    assertThat(attache.get("25 rewriting route, looked up: the route is skipped"))
        .satisfies(o -> assertThat(o.body()).isEqualTo("GET /rw/a"))
        .satisfies(o -> assertThat(o.upstreamHeaders()).doesNotContainKey("x-route-added"));
    assertThat(attache.get("27 a caller's x-forwarded-for, looked up").upstreamHeaders())
        .containsEntry("x-forwarded-for", "203.0.113.9," + self);
    // What it does not look up passes the router as any request does.
    assertThat(attache.get("11 POST").upstreamHeaders())
        .containsEntry("x-envoy-expected-rq-timeout-ms", "15000")
        .doesNotContainKey("x-envoy-internal");
    assertThat(attache.get("26 rewriting route, POST: routed"))
        .satisfies(o -> assertThat(o.body()).isEqualTo("POST /rewritten/a"))
        .satisfies(
            o ->
                assertThat(o.upstreamHeaders())
                    .containsEntry("x-route-added", "yes")
                    .containsEntry("x-envoy-expected-rq-timeout-ms", "3000"));
  }
}
