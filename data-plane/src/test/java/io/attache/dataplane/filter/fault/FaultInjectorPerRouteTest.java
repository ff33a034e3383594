package io.attache.dataplane.filter.fault;

import static io.attache.dataplane.filter.fault.FaultConfigs.fault;
import static io.attache.dataplane.filter.fault.FaultConfigs.fixedDelay;
import static io.attache.dataplane.filter.fault.FaultConfigs.get;
import static io.attache.dataplane.filter.fault.FaultConfigs.httpAbort;
import static io.attache.dataplane.filter.fault.FaultConfigs.parse;
import static io.attache.dataplane.filter.fault.FaultConfigs.percent;
import static io.attache.dataplane.filter.fault.FaultConfigs.withMaxActive;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.fault.FaultDecision.AfterDelay;
import io.attache.dataplane.filter.fault.FaultDecision.Kind;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import java.time.Duration;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The fault filter deciding with what a route's {@code typed_per_filter_config} says. */
class FaultInjectorPerRouteTest {
  private final StatsStore stats = new StatsStore();

  /** The control plane's shape: an empty filter-level HTTPFault. */
  private final FaultInjector emptyFilter =
      new FaultInjector(parse(fault().build()), "my-fault", "ingress_http", stats);

  private long counter(String name) {
    return stats.counter("http.ingress_http.fault." + name).value();
  }

  @Test
  void keepsTheConfiguredFilterNameForThePerRouteLookup() {
    assertThat(emptyFilter.filterName()).isEqualTo("my-fault");
    assertThat(new FaultInjector(parse(fault().build()), "ingress_http", stats).filterName())
        .isEqualTo(HttpFaultConfig.FILTER_NAME);
  }

  @Test
  void abortsWithTheRoutesOverrideAndCountsInTheFiltersStats() {
    PerRouteFault perRoute =
        PerRouteFault.override(parse(fault().setAbort(httpAbort(418, percent(100))).build()));

    FaultDecision decision =
        emptyFilter.decide(perRoute, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.ABORT);
    assertThat(decision.abort()).isEqualTo(new FaultDecision.Abort(418, OptionalInt.empty()));
    assertThat(counter("aborts_injected")).isEqualTo(1);
  }

  @Test
  void delaysWithTheRoutesOverride() {
    PerRouteFault perRoute =
        PerRouteFault.override(parse(fault().setDelay(fixedDelay(250, percent(100))).build()));

    FaultDecision decision =
        emptyFilter.decide(perRoute, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.DELAY);
    assertThat(decision.delay()).isEqualTo(Duration.ofMillis(250));
    assertThat(counter("delays_injected")).isEqualTo(1);
    assertThat(emptyFilter.activeFaults()).isEqualTo(1);
    assertThat(decision.delayElapsed()).isEqualTo(AfterDelay.CONTINUE);
    assertThat(emptyFilter.activeFaults()).isZero();
  }

  @Test
  void fallsBackToTheFilterLevelConfigWhenTheRouteHasNoEntry() {
    FaultInjector filter =
        new FaultInjector(
            parse(fault().setAbort(httpAbort(503, percent(100))).build()),
            "envoy.filters.http.fault",
            "ingress_http",
            stats);

    FaultDecision decision =
        filter.decide(PerRouteFault.FILTER_CONFIG, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.ABORT);
    assertThat(decision.abort().httpStatus()).isEqualTo(503);
  }

  @Test
  void theOverrideReplacesTheFilterLevelConfigInsteadOfMergingWithIt() {
    FaultInjector filter =
        new FaultInjector(
            parse(fault().setAbort(httpAbort(503, percent(100))).build()),
            "envoy.filters.http.fault",
            "ingress_http",
            stats);
    PerRouteFault delayOnly =
        PerRouteFault.override(parse(fault().setDelay(fixedDelay(10, percent(100))).build()));

    FaultDecision decision = filter.decide(delayOnly, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.DELAY);
    assertThat(decision.delayElapsed()).isEqualTo(AfterDelay.CONTINUE);
    assertThat(counter("aborts_injected")).isZero();
  }

  @Test
  void injectsNothingOnARouteThatDisablesTheFilter() {
    FaultInjector filter =
        new FaultInjector(
            parse(fault().setAbort(httpAbort(503, percent(100))).build()),
            "envoy.filters.http.fault",
            "ingress_http",
            stats);

    FaultDecision decision =
        filter.decide(PerRouteFault.DISABLED, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.NONE);
    assertThat(counter("aborts_injected")).isZero();
  }

  @Test
  void appliesTheOverridesMaxActiveFaultsToTheFiltersSharedCount() {
    PerRouteFault perRoute =
        PerRouteFault.override(
            parse(withMaxActive(fault().setDelay(fixedDelay(100, percent(100))), 1)));

    FaultDecision first = emptyFilter.decide(perRoute, get("/"), "backend", RandomSource.seeded(1));
    FaultDecision second =
        emptyFilter.decide(perRoute, get("/"), "backend", RandomSource.seeded(2));

    assertThat(first.kind()).isEqualTo(Kind.DELAY);
    assertThat(second.kind()).isEqualTo(Kind.NONE);
    assertThat(counter("faults_overflow")).isEqualTo(1);
    first.streamEnded();
    assertThat(emptyFilter.activeFaults()).isZero();
  }
}
