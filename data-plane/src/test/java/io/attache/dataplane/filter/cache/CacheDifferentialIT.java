package io.attache.dataplane.filter.cache;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
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
 * whether and with which validators the request reached the origin. {@code age} is compared as
 * present or absent: its value is wall-clock seconds. Byte ranges are left out here: through the
 * in-process proxy a suffix range served after a single range timed out (twice, under load 27),
 * which the same sequence through {@code attache proxy} did not reproduce; {@code CacheFilterTest}
 * and {@code CacheIT} cover ranges, and the cause is still open. Vary is left out too: stock Envoy
 * 1.40.0 crashed (segmentation fault) on the first response with {@code vary: accept} under this
 * {@code allowed_vary_headers}; {@code CacheIT} covers variants.
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

  /** {@code age} reduced to whether it is there. */
  private static Map<String, Observed> withAgePresence(Map<String, Observed> observed) {
    Map<String, Observed> out = new LinkedHashMap<>();
    observed.forEach(
        (name, o) -> {
          TreeMap<String, String> headers = new TreeMap<>(o.responseHeaders());
          headers.computeIfPresent("age", (k, v) -> "present");
          out.put(name, new Observed(o.status(), o.body(), headers, o.upstreamHeaders()));
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
                "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                staticCluster("backend", "", upstream.port())),
            CacheIT.FILTERS);
    ExchangeRecorder recorder =
        new ExchangeRecorder(
            upstream,
            Set.of("age", "etag", "cache-control", "content-range", "content-length", "vary"),
            Set.of("if-none-match", "range", "authorization", "cache-control"));
    Map<String, Observed> attache;
    Map<String, Observed> stock;
    try (ProxyPair pair = ProxyPair.start(envoy, "cache", yaml, dir)) {
      attache = withAgePresence(sendEach(recorder, pair.attache().port("ingress")));
      stock = withAgePresence(sendEach(recorder, pair.envoy().port("ingress")));
    }

    assertThat(attache).as("Attaché vs %s", envoy.describe()).isEqualTo(stock);
    assertThat(attache.get("02 second GET: a hit").forwarded()).isFalse();
    assertThat(attache.get("15 no-cache response again: 304 merged").upstreamHeaders())
        .containsEntry("if-none-match", CachingUpstream.ETAG);
  }
}
