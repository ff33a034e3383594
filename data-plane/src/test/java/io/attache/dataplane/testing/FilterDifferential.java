package io.attache.dataplane.testing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.testing.envoy.Envoy;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One HTTP-filter scenario run by Attaché and by a stock Envoy: a bootstrap with the given HTTP
 * filters (the router appended) in front of routes to a {@code backend} upstream, the same named
 * requests to each proxy, and the stats that moved under the given prefixes. It only observes; the
 * test decides what a difference means ({@link Compared#assertSame} for none).
 */
public final class FilterDifferential {
  /** The router, as the last item of an {@code http_filters} list. */
  public static final String ROUTER =
      """
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  /** The routes YAML of one catch-all route to {@code backend}. */
  public static final String ALL_TO_BACKEND =
      "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n";

  private FilterDifferential() {}

  /** What both proxies observed in one scenario. */
  public record Compared(
      Map<String, Observed> attache,
      Map<String, Observed> envoy,
      SortedMap<String, Long> attacheStats,
      SortedMap<String, Long> envoyStats) {

    /** No difference: every observation and every stat that moved agree. */
    public void assertSame(Envoy stock) {
      assertThat(attache).as("Attaché's observations vs %s", stock.describe()).isEqualTo(envoy);
      assertThat(attacheStats).as("Attaché's stats vs %s", stock.describe()).isEqualTo(envoyStats);
    }
  }

  /**
   * Runs {@code requests} through Attaché and then Envoy, each on a bootstrap with {@code
   * filtersYaml} (an {@code http_filters} list, unindented, without the router) in front of {@code
   * routesYaml}'s routes to {@code upstream} as cluster {@code backend} and any {@code
   * extraClusters}; collects the stats that moved under each of {@code statPrefixes}.
   */
  public static Compared compare(
      Envoy envoy,
      Path dir,
      TestHttpServer upstream,
      String name,
      String filtersYaml,
      String routesYaml,
      String extraClusters,
      Map<String, Request> requests,
      Set<String> responseHeaders,
      Set<String> upstreamHeaders,
      String... statPrefixes)
      throws Exception {
    String yaml =
        ProxyPair.withHttpFilters(
            bootstrap(
                "", routesYaml, staticCluster("backend", "", upstream.port()) + extraClusters),
            "http_filters:\n" + filtersYaml.stripIndent() + ROUTER);
    ExchangeRecorder recorder = new ExchangeRecorder(upstream, responseHeaders, upstreamHeaders);
    try (ProxyPair pair = ProxyPair.start(envoy, name, yaml, dir)) {
      Map<String, Observed> fromAttache = recorder.send(pair.attache().port("ingress"), requests);
      Map<String, Observed> fromEnvoy = recorder.send(pair.envoy().port("ingress"), requests);
      SortedMap<String, Long> attacheStats = new TreeMap<>();
      SortedMap<String, Long> envoyStats = new TreeMap<>();
      for (String prefix : statPrefixes) {
        attacheStats.putAll(pair.attache().statsThatMoved(prefix));
        envoyStats.putAll(pair.envoy().statsThatMoved(prefix));
      }
      return new Compared(fromAttache, fromEnvoy, attacheStats, envoyStats);
    }
  }

  /** Named requests in order: name, request, name, request, ... */
  public static Map<String, Request> requests(Object... nameThenRequest) {
    Map<String, Request> out = new LinkedHashMap<>();
    for (int i = 0; i < nameThenRequest.length; i += 2) {
      out.put((String) nameThenRequest[i], (Request) nameThenRequest[i + 1]);
    }
    return out;
  }
}
