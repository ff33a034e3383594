package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class H2loadResultTest {
  @Test
  void readsRateAndOutcomesFromH2loadsSummary() {
    String output =
        """
        starting benchmark...
        spawning thread #0: 4 total client(s). Timing-based test with 0s of warm-up time and 5s of main duration for measurements.
        finished in 5.00s, 29317.40 req/s, 31.79MB/s
        requests: 146587 total, 146619 started, 146587 done, 146580 succeeded, 7 failed, 0 errored, 0 timeout
        status codes: 146580 2xx, 0 3xx, 7 4xx, 0 5xx
        """;

    H2loadResult result = H2loadResult.parse(output);

    assertThat(result.requestsPerSecond()).isEqualTo(29317.40);
    assertThat(result.succeeded()).isEqualTo(146580);
    assertThat(result.failed()).isEqualTo(7);
    assertThat(result.cleanWithin(0.001)).isTrue();
  }

  @Test
  void treatsAnAllFailedRunAsUnclean() {
    String output =
        """
        finished in 2.57ms, 0.00 req/s, 0B/s
        requests: 10 total, 0 started, 0 done, 0 succeeded, 10 failed, 10 errored, 0 timeout
        """;

    assertThat(H2loadResult.parse(output).cleanWithin(0.5)).isFalse();
  }

  @Test
  void refusesOutputWithoutASummary() {
    assertThatThrownBy(() -> H2loadResult.parse("connect: Connection refused"))
        .hasMessageContaining("not h2load output");
  }
}
