package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class WeightedClustersTest {
  private static final RouteTable SPLIT =
      TestConfigs.routes(
          "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"total_weight\":999,\"clusters\":["
              + "{\"name\":\"blue\",\"weight\":70,\"request_headers_to_add\":[{\"header\":{\"key\":\"x-color\",\"value\":\"blue\"}}],"
              + "\"response_headers_to_add\":[{\"header\":{\"key\":\"x-served-by\",\"value\":\"blue\"}}],\"host_rewrite_literal\":\"blue.internal\"},"
              + "{\"name\":\"green\",\"weight\":20},"
              + "{\"name\":\"never\",\"weight\":0},"
              + "{\"name\":\"red\",\"weight\":10}]}}}]");

  @Test
  void splitsTrafficExactlyAsEnvoysDefinitionPicksFromTheSeededDraws() {
    long seed = 424242L;
    RandomSource random = RandomSource.seeded(seed);
    Map<String, Integer> counts = new HashMap<>();
    int picks = 10_000;
    for (int i = 0; i < picks; i++) {
      counts.merge(
          TestConfigs.cluster(SPLIT.route(TestConfigs.get("h", "/"), random)), 1, Integer::sum);
    }

    // The oracle: the same generator (RandomSource.seeded wraps SplittableRandom), one 64-bit draw
    // per request, and Envoy's pick written out here — value % sum of weights (total_weight 999 is
    // deprecated and ignored), then the first cluster whose cumulative weight exceeds it.
    SplittableRandom reference = new SplittableRandom(seed);
    Map<String, Integer> expected = new HashMap<>();
    for (int i = 0; i < picks; i++) {
      long point = Long.remainderUnsigned(reference.nextLong(), 100);
      String cluster = point < 70 ? "blue" : point < 90 ? "green" : "red";
      expected.merge(cluster, 1, Integer::sum);
    }
    assertThat(counts).isEqualTo(expected).doesNotContainKey("never");
    assertThat(expected.values()).as("the seed exercises every cluster").hasSize(3);
  }

  @Test
  void theSameSeedGivesTheSamePicks() {
    StringBuilder first = new StringBuilder();
    StringBuilder second = new StringBuilder();
    RandomSource a = RandomSource.seeded(7);
    RandomSource b = RandomSource.seeded(7);
    for (int i = 0; i < 50; i++) {
      first.append(TestConfigs.cluster(SPLIT.route(TestConfigs.get("h", "/"), a)));
      second.append(TestConfigs.cluster(SPLIT.route(TestConfigs.get("h", "/"), b)));
    }
    assertThat(first.toString()).isEqualTo(second.toString());
  }

  @Test
  void theSelectedClustersHeaderMutationsAndHostRewriteComeWithIt() {
    RouteTable table =
        TestConfigs.routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"header_name\":\"x-pick\",\"clusters\":["
                + "{\"name\":\"blue\",\"weight\":1,\"request_headers_to_add\":[{\"header\":{\"key\":\"x-color\",\"value\":\"blue\"}}],"
                + "\"response_headers_to_remove\":[\"x-internal\"],\"host_rewrite_literal\":\"blue.internal\"},"
                + "{\"name\":\"green\",\"weight\":1}]}}}]");
    HttpRequest request = TestConfigs.get("h", "/");
    request.headers().set("x-pick", "0");
    RouteDecision.Forward blue = (RouteDecision.Forward) TestConfigs.route(table, request);
    assertThat(blue.cluster()).isEqualTo("blue");
    assertThat(blue.hostRewrite()).contains("blue.internal");
    blue.finalizeRequest(
        request,
        FormatterContext.Snapshot.forRequest(null, null, "HTTP/1.1", request.headers()),
        false);
    assertThat(request.headers().get("x-color")).isEqualTo("blue");
    assertThat(request.headers().get("host")).isEqualTo("blue.internal");
    HttpHeaders response = new DefaultHttpHeaders().add("x-internal", "secret");
    blue.responseHeaderMutations()
        .apply(
            response,
            FormatterContext.Snapshot.forRequest(
                null, null, "HTTP/1.1", EmptyHttpHeaders.INSTANCE));
    assertThat(response.contains("x-internal")).isFalse();

    HttpRequest toGreen = TestConfigs.get("h", "/");
    toGreen.headers().set("x-pick", "1");
    RouteDecision.Forward green = (RouteDecision.Forward) TestConfigs.route(table, toGreen);
    assertThat(green.cluster()).isEqualTo("green");
    assertThat(green.hostRewrite()).isEmpty();
    assertThat(green.requestHeaderMutations().isEmpty()).isTrue();
  }

  @Test
  void anInvalidRandomValueHeaderFallsBackToTheRandomSource() {
    RouteTable table =
        TestConfigs.routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"header_name\":\"x-pick\",\"clusters\":["
                + "{\"name\":\"a\",\"weight\":1},{\"name\":\"b\",\"weight\":1}]}}}]");
    HttpRequest request = TestConfigs.get("h", "/");
    request.headers().set("x-pick", "not-a-number");
    assertThat(TestConfigs.cluster(table.route(request, scripted(3)))).isEqualTo("b");
    assertThat(TestConfigs.cluster(table.route(request, scripted(2)))).isEqualTo("a");
  }

  @Test
  void weightedClusterHeaderEntryWithoutTheHeaderIsClusterNotFound() {
    RouteTable table =
        TestConfigs.routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"clusters\":[{\"cluster_header\":\"x-c\",\"weight\":5}]}}}]");
    assertThat(TestConfigs.route(table, TestConfigs.get("h", "/")))
        .isInstanceOf(RouteDecision.ClusterNotFound.class);
    HttpRequest request = TestConfigs.get("h", "/");
    request.headers().set("x-c", "dyn");
    assertThat(TestConfigs.cluster(TestConfigs.route(table, request))).isEqualTo("dyn");
  }

  /** A random source that always answers {@code value}. */
  private static RandomSource scripted(long value) {
    return new RandomSource() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return value % bound;
      }
    };
  }
}
