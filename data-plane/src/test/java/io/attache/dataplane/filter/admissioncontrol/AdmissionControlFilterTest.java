package io.attache.dataplane.filter.admissioncontrol;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The admission control filter on the connection manager's chain, on virtual time with the random
 * draw injected: the rejection probability is checked at Envoy's 4-digit accuracy on both sides of
 * each threshold.
 */
class AdmissionControlFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/fail" }
            direct_response: { status: 503 }
          - match: { prefix: "/" }
            direct_response: { status: 200 }
      http_filters:
      - name: envoy.filters.http.admission_control
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.admission_control.v3.AdmissionControl
          sampling_window: 10s
          %s
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  /** The next draw: every {@code nextLong(bound)} of a request answers {@code draw % bound}. */
  private long draw;

  private final RandomSource random =
      new RandomSource() {
        @Override
        public long nextLong() {
          return draw;
        }

        @Override
        public long nextLong(long bound) {
          return draw % bound;
        }
      };

  private StreamHarness harness;

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  private void start(String options) throws Exception {
    String withCriteria =
        options.contains("success_criteria") ? options : options + "\nsuccess_criteria: {}";
    String yaml = HCM.formatted(withCriteria.strip().replace("\n", "\n    "));
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml), random, name -> null);
  }

  /** The status the client got, with the random draw the filter makes for this request. */
  private int send(String path, long randomDraw) {
    draw = randomDraw;
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    harness.request(request);
    return harness.downstream.written.stream()
        .filter(HttpResponse.class::isInstance)
        .map(r -> ((HttpResponse) r).status().code())
        .findFirst()
        .orElseThrow();
  }

  private long counter(String name) {
    return harness.counter("http.ingress.admission_control." + name);
  }

  @Test
  void afterOneFailureHalfTheDrawsAreRejectedAndRejectionsAreNotRecorded() throws Exception {
    start("");
    assertThat(send("/fail", 0)).as("an empty history never rejects").isEqualTo(503);
    assertThat(counter("rq_failure")).isEqualTo(1);

    // (1 - 0 / 0.95) / (1 + 1) = 0.5: draws below 5000 of 10000 are rejected.
    assertThat(send("/", 4999)).isEqualTo(503);
    assertThat(harness.info().responseCodeDetails()).isEqualTo("denied_by_admission_control");
    assertThat(harness.counter("http.ingress.admission_control.rq_rejected")).isEqualTo(1);
    assertThat(counter("rq_success") + counter("rq_failure"))
        .as("a rejected request is not recorded")
        .isEqualTo(1);
    assertThat(send("/", 5000)).isEqualTo(200);
    assertThat(counter("rq_success")).isEqualTo(1);
  }

  @Test
  void successesLowerTheProbabilityBySrThreshold() throws Exception {
    start("");
    send("/fail", 0);
    send("/", 9999);
    // requests 2, successes 1: (2 - 1 / 0.95) / 3 = 0.31578...: 3157.9 > draw.
    assertThat(send("/", 3157)).isEqualTo(503);
    assertThat(send("/", 3158)).isEqualTo(200);
  }

  @Test
  void maxRejectionProbabilityCapsTheProbability() throws Exception {
    start("max_rejection_probability: { default_value: { value: 60.0 } }");
    for (int i = 0; i < 9; i++) {
      send("/fail", 9999);
    }
    // (9 - 0) / 10 = 0.9, capped at 0.6.
    assertThat(send("/", 5999)).isEqualTo(503);
    assertThat(send("/", 6000)).isEqualTo(200);
  }

  @Test
  void aggressionBendsTheProbabilityUp() throws Exception {
    start("aggression: { default_value: 2.0 }");
    send("/fail", 0);
    // 0.5 ^ (1 / 2) = 0.70710...
    assertThat(send("/", 7070)).isEqualTo(503);
    assertThat(send("/", 7071)).isEqualTo(503);
    assertThat(send("/", 7072)).isEqualTo(200);
  }

  @Test
  void failuresOlderThanTheSamplingWindowAreForgotten() throws Exception {
    start("");
    send("/fail", 0);
    send("/fail", 9999);
    harness.time.advance(Duration.ofMillis(9_999));
    assertThat(send("/", 0)).as("still inside the window").isEqualTo(503);

    harness.time.advance(Duration.ofMillis(1));
    assertThat(send("/", 0)).as("a whole window later the history is empty").isEqualTo(200);
  }

  @Test
  void belowRpsThresholdNothingIsRejected() throws Exception {
    start("rps_threshold: { default_value: 3, runtime_key: ac.rps }");
    send("/fail", 0);
    send("/fail", 0);
    assertThat(send("/", 0)).as("2 requests in the first second: 2 rps < 3").isEqualTo(200);
    assertThat(send("/fail", 0))
        .as("3 requests: 3 rps, and 1 success of 3 rejects a draw of 0")
        .isEqualTo(503);
    assertThat(counter("rq_rejected")).isEqualTo(1);
  }

  @Test
  void aDisabledFilterNeitherRejectsNorRecords() throws Exception {
    start("enabled: { default_value: false, runtime_key: ac.enabled }");
    send("/fail", 0);
    assertThat(send("/fail", 0)).isEqualTo(503);
    assertThat(counter("rq_failure")).isZero();
    assertThat(counter("rq_rejected")).isZero();
  }

  @Test
  void httpSuccessRangesAreHalfOpen() throws Exception {
    start(
        """
        success_criteria:
          http_criteria: { http_success_status: [ { start: 200, end: 503 } ] }
        """);
    send("/fail", 0);
    assertThat(counter("rq_failure")).as("503 is outside [200, 503)").isEqualTo(1);
    send("/", 9999);
    assertThat(counter("rq_success")).isEqualTo(1);
  }
}
