package io.attache.testing.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.EnvoyTally.Outcome;
import org.junit.jupiter.api.Test;

class EnvoyTallyTest {

  @Test
  void sumsUpEveryOutcomeAndNamesTheEnvoy() {
    EnvoyTally tally = new EnvoyTally();
    tally.record(Outcome.PASSED);
    tally.record(Outcome.PASSED);
    tally.record(Outcome.FAILED);
    tally.record(Outcome.SKIPPED);

    assertThat(tally.summary("stock Envoy 1.40.0 (test)"))
        .isEqualTo(
            "Stock Envoy tests: 2 of 4 passed (1 failed, 1 skipped, 0 disabled) against stock"
                + " Envoy 1.40.0 (test)");
  }

  @Test
  void startsTheNextTestPlanFromZero() {
    EnvoyTally tally = new EnvoyTally();
    tally.record(Outcome.PASSED);

    tally.clear();

    assertThat(tally.total()).isZero();
  }
}
