package io.attache.dataplane.filter.fault;

import static io.attache.dataplane.filter.fault.FaultConfigs.fault;
import static io.attache.dataplane.filter.fault.FaultConfigs.fixedDelay;
import static io.attache.dataplane.filter.fault.FaultConfigs.get;
import static io.attache.dataplane.filter.fault.FaultConfigs.grpcAbort;
import static io.attache.dataplane.filter.fault.FaultConfigs.headerAbort;
import static io.attache.dataplane.filter.fault.FaultConfigs.headerDelay;
import static io.attache.dataplane.filter.fault.FaultConfigs.httpAbort;
import static io.attache.dataplane.filter.fault.FaultConfigs.parse;
import static io.attache.dataplane.filter.fault.FaultConfigs.percent;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.fault.FaultDecision.AfterDelay;
import io.attache.dataplane.filter.fault.FaultDecision.Kind;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.ScriptedRandom;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {
  private final StatsStore stats = new StatsStore();

  private FaultInjector injector(HTTPFault proto) {
    return new FaultInjector(parse(proto), "ingress_http", stats);
  }

  private long counter(String name) {
    return stats.counter("http.ingress_http.fault." + name).value();
  }

  private long activeFaultsGauge() {
    return stats.gauge("http.ingress_http.fault.active_faults").value();
  }

  /** Counts how often {@code percentNumerator/denominator} fires over many seeded draws. */
  private int abortsOver(int requests, HTTPFault proto, long seed) {
    FaultInjector injector = injector(proto);
    RandomSource random = RandomSource.seeded(seed);
    int aborted = 0;
    for (int i = 0; i < requests; i++) {
      FaultDecision decision = injector.decide(get("/"), "backend", random);
      if (decision.kind() == Kind.ABORT) {
        aborted++;
      }
      decision.streamEnded();
    }
    return aborted;
  }

  /**
   * The oracle: the same generator (RandomSource.seeded wraps SplittableRandom), one draw per
   * request uniform in {@code [0, denominator)}, and the fault fires when it is below the numerator
   * (Envoy's fractional percent, with only an abort configured so nothing else draws).
   */
  private static int expectedFirings(int requests, long numerator, long denominator, long seed) {
    java.util.SplittableRandom reference = new java.util.SplittableRandom(seed);
    int fired = 0;
    for (int i = 0; i < requests; i++) {
      fired += reference.nextLong(denominator) < numerator ? 1 : 0;
    }
    return fired;
  }

  @Test
  void abortsExactlyTheRequestsTheSeededDrawsSelectForEveryDenominator() {
    long seed = 20_261_206L;
    int n = 40_000;

    int hundred = abortsOver(n, fault().setAbort(httpAbort(503, percent(30))).build(), seed);
    assertThat(hundred).isEqualTo(expectedFirings(n, 30, 100, seed));

    int tenThousand =
        abortsOver(
            n,
            fault().setAbort(httpAbort(503, percent(250, DenominatorType.TEN_THOUSAND))).build(),
            seed + 1);
    assertThat(tenThousand).isEqualTo(expectedFirings(n, 250, 10_000, seed + 1));

    int million =
        abortsOver(
            n,
            fault().setAbort(httpAbort(503, percent(10_000, DenominatorType.MILLION))).build(),
            seed + 2);
    assertThat(million).isEqualTo(expectedFirings(n, 10_000, 1_000_000, seed + 2));

    assertThat(counter("aborts_injected")).isEqualTo(hundred + tenThousand + million);
  }

  @Test
  void neverFiresWithoutAPercentageAsEnvoysProtoDefaultIsZero() {
    FaultInjector injector =
        injector(
            fault()
                .setAbort(
                    io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort.newBuilder()
                        .setHttpStatus(503))
                .build());
    for (int i = 0; i < 100; i++) {
      assertThat(injector.decide(get("/"), "backend", RandomSource.seeded(i)).kind())
          .isEqualTo(Kind.NONE);
    }
    assertThat(counter("aborts_injected")).isZero();
  }

  @Test
  void abortsWithAnHttpStatus() {
    FaultDecision decision =
        injector(fault().setAbort(httpAbort(503, percent(100))).build())
            .decide(get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.ABORT);
    assertThat(decision.abort()).isEqualTo(new FaultDecision.Abort(503, OptionalInt.empty()));
    assertThat(counter("aborts_injected")).isEqualTo(1);
    assertThat(counter("delays_injected")).isZero();
  }

  @Test
  void abortsAGrpcRequestWithHttp200AndTheGrpcStatus() {
    FaultDecision decision =
        injector(fault().setAbort(grpcAbort(14, percent(100))).build())
            .decide(get("/pkg.Svc/Call"), "backend", RandomSource.seeded(1));

    assertThat(decision.abort()).isEqualTo(new FaultDecision.Abort(200, OptionalInt.of(14)));
  }

  @Test
  void delaysThenAbortsAndCountsTheAbortOnlyWhenTheDelayHasPassed() {
    FaultInjector injector =
        injector(
            fault()
                .setDelay(fixedDelay(1500, percent(100)))
                .setAbort(httpAbort(429, percent(100)))
                .build());

    FaultDecision decision = injector.decide(get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.DELAY_THEN_ABORT);
    assertThat(decision.delay()).isEqualTo(Duration.ofMillis(1500));
    assertThat(counter("delays_injected")).isEqualTo(1);
    assertThat(counter("aborts_injected")).isZero();
    assertThat(activeFaultsGauge()).isEqualTo(1);

    assertThat(decision.delayElapsed()).isEqualTo(AfterDelay.ABORT);
    assertThat(decision.abort().httpStatus()).isEqualTo(429);
    assertThat(counter("aborts_injected")).isEqualTo(1);
    assertThat(activeFaultsGauge()).as("the abort is still an active fault").isEqualTo(1);

    decision.streamEnded();
    decision.streamEnded();
    assertThat(activeFaultsGauge()).isZero();
  }

  @Test
  void aDelayAloneStopsCountingAsActiveOnceItHasPassed() {
    FaultInjector injector = injector(fault().setDelay(fixedDelay(50, percent(100))).build());

    FaultDecision decision = injector.decide(get("/"), "backend", RandomSource.seeded(1));
    assertThat(decision.kind()).isEqualTo(Kind.DELAY);
    assertThat(injector.activeFaults()).isEqualTo(1);

    assertThat(decision.delayElapsed()).isEqualTo(AfterDelay.CONTINUE);
    assertThat(injector.activeFaults()).isZero();
    decision.streamEnded();
    assertThat(injector.activeFaults()).isZero();
  }

  @Test
  void headerAbortDoesNothingWithoutTheHeader() {
    FaultInjector injector = injector(fault().setAbort(headerAbort(percent(100))).build());

    assertThat(injector.decide(get("/"), "backend", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.NONE);
    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.ABORT_REQUEST, "not-a-number"),
                    "backend",
                    RandomSource.seeded(1))
                .kind())
        .isEqualTo(Kind.NONE);
    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.ABORT_REQUEST, "600"), "backend", RandomSource.seeded(1))
                .kind())
        .as("a status outside [200, 600) is ignored")
        .isEqualTo(Kind.NONE);
  }

  @Test
  void headerAbortTakesTheStatusFromTheRequestAndHttpWinsOverGrpc() {
    FaultInjector injector = injector(fault().setAbort(headerAbort(percent(100))).build());

    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.ABORT_REQUEST, "503"), "backend", RandomSource.seeded(1))
                .abort())
        .isEqualTo(new FaultDecision.Abort(503, OptionalInt.empty()));
    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.ABORT_GRPC_REQUEST, "4"),
                    "backend",
                    RandomSource.seeded(1))
                .abort())
        .isEqualTo(new FaultDecision.Abort(200, OptionalInt.of(4)));
    assertThat(
            injector
                .decide(
                    get(
                        "/",
                        FaultHeaders.ABORT_REQUEST,
                        "502",
                        FaultHeaders.ABORT_GRPC_REQUEST,
                        "4"),
                    "backend",
                    RandomSource.seeded(1))
                .abort())
        .isEqualTo(new FaultDecision.Abort(502, OptionalInt.empty()));
  }

  @Test
  void headerPercentageIsCappedByTheConfiguredNumerator() {
    // Configured 40%: a request asking for 90% still gets 40%; one asking for 10% gets 10%.
    FaultInjector injector = injector(fault().setAbort(headerAbort(percent(40))).build());
    ScriptedRandom random = new ScriptedRandom().then(39, 40, 9, 10);

    assertThat(decide(injector, random, "90").kind()).isEqualTo(Kind.ABORT);
    assertThat(decide(injector, random, "90").kind()).isEqualTo(Kind.NONE);
    assertThat(decide(injector, random, "10").kind()).isEqualTo(Kind.ABORT);
    assertThat(decide(injector, random, "10").kind()).isEqualTo(Kind.NONE);
  }

  private static FaultDecision decide(FaultInjector injector, RandomSource random, String pct) {
    FaultDecision decision =
        injector.decide(
            get("/", FaultHeaders.ABORT_REQUEST, "503", FaultHeaders.ABORT_REQUEST_PERCENTAGE, pct),
            "backend",
            random);
    decision.streamEnded();
    return decision;
  }

  @Test
  void headerDelayTakesMillisecondsFromTheRequestAndHonoursItsPercentage() {
    FaultInjector injector = injector(fault().setDelay(headerDelay(percent(100))).build());

    FaultDecision delayed =
        injector.decide(
            get("/", FaultHeaders.DELAY_REQUEST, "250"), "backend", RandomSource.seeded(1));
    assertThat(delayed.kind()).isEqualTo(Kind.DELAY);
    assertThat(delayed.delay()).isEqualTo(Duration.ofMillis(250));

    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.DELAY_REQUEST, "0"), "backend", RandomSource.seeded(1))
                .kind())
        .as("a zero delay is no delay")
        .isEqualTo(Kind.NONE);
    assertThat(
            injector
                .decide(
                    get(
                        "/",
                        FaultHeaders.DELAY_REQUEST,
                        "250",
                        FaultHeaders.DELAY_REQUEST_PERCENTAGE,
                        "0"),
                    "backend",
                    RandomSource.seeded(1))
                .kind())
        .isEqualTo(Kind.NONE);
  }

  @Test
  void faultHeadersDoNothingUnlessTheConfigEnablesThem() {
    FaultInjector injector =
        injector(
            fault()
                .setDelay(fixedDelay(10, percent(0)))
                .setAbort(httpAbort(503, percent(0)))
                .build());

    FaultDecision decision =
        injector.decide(
            get("/", FaultHeaders.DELAY_REQUEST, "100", FaultHeaders.ABORT_REQUEST, "500"),
            "backend",
            RandomSource.seeded(1));

    assertThat(decision.kind()).isEqualTo(Kind.NONE);
  }

  @Test
  void overflowsPastMaxActiveFaultsAndRecoversWhenAStreamEnds() {
    FaultInjector injector =
        injector(FaultConfigs.withMaxActive(fault().setAbort(httpAbort(503, percent(100))), 2));
    RandomSource random = RandomSource.seeded(7);

    FaultDecision first = injector.decide(get("/"), "backend", random);
    FaultDecision second = injector.decide(get("/"), "backend", random);
    FaultDecision third = injector.decide(get("/"), "backend", random);

    assertThat(List.of(first.kind(), second.kind(), third.kind()))
        .containsExactly(Kind.ABORT, Kind.ABORT, Kind.NONE);
    assertThat(counter("faults_overflow")).isEqualTo(1);
    assertThat(counter("aborts_injected")).isEqualTo(2);
    assertThat(activeFaultsGauge()).isEqualTo(2);

    first.streamEnded();
    assertThat(activeFaultsGauge()).isEqualTo(1);
    assertThat(injector.decide(get("/"), "backend", random).kind()).isEqualTo(Kind.ABORT);
  }

  @Test
  void anOverflowedDelayFallsThroughToTheAbortCheckLikeEnvoy() {
    FaultInjector injector =
        injector(
            FaultConfigs.withMaxActive(
                fault()
                    .setDelay(fixedDelay(10, percent(100)))
                    .setAbort(httpAbort(503, percent(100))),
                0));

    assertThat(injector.decide(get("/"), "backend", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.NONE);
    assertThat(counter("faults_overflow")).as("one for the delay, one for the abort").isEqualTo(2);
    assertThat(counter("delays_injected")).isZero();
  }

  @Test
  void neverHoldsMoreThanMaxActiveFaultsUnderConcurrentStreams() throws Exception {
    FaultInjector injector =
        injector(FaultConfigs.withMaxActive(fault().setAbort(httpAbort(503, percent(100))), 10));
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Callable<List<FaultDecision>>> tasks = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        long seed = t;
        tasks.add(
            () -> {
              List<FaultDecision> held = new ArrayList<>();
              RandomSource random = RandomSource.seeded(seed);
              for (int i = 0; i < 500; i++) {
                held.add(injector.decide(get("/"), "backend", random));
              }
              return held;
            });
      }
      int aborted = 0;
      for (Future<List<FaultDecision>> f : pool.invokeAll(tasks)) {
        for (FaultDecision d : f.get()) {
          if (d.kind() == Kind.ABORT) {
            aborted++;
          }
        }
      }
      assertThat(aborted).isEqualTo(10);
      assertThat(injector.activeFaults()).isEqualTo(10);
      assertThat(counter("faults_overflow")).isEqualTo(2000 - 10);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void onlyFaultsRequestsToTheNamedUpstreamCluster() {
    FaultInjector injector =
        injector(
            fault().setUpstreamCluster("payments").setAbort(httpAbort(503, percent(100))).build());

    assertThat(injector.decide(get("/"), "orders", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.NONE);
    assertThat(injector.decide(get("/"), "payments", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.ABORT);
  }

  @Test
  void onlyFaultsRequestsFromTheListedDownstreamNodes() {
    FaultInjector injector =
        injector(
            fault().addDownstreamNodes("canary").setAbort(httpAbort(503, percent(100))).build());

    assertThat(injector.decide(get("/"), "backend", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.NONE);
    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.DOWNSTREAM_SERVICE_NODE, "stable"),
                    "backend",
                    RandomSource.seeded(1))
                .kind())
        .isEqualTo(Kind.NONE);
    assertThat(
            injector
                .decide(
                    get("/", FaultHeaders.DOWNSTREAM_SERVICE_NODE, "canary"),
                    "backend",
                    RandomSource.seeded(1))
                .kind())
        .isEqualTo(Kind.ABORT);
  }

  @Test
  void onlyFaultsRequestsMatchingEveryHeaderMatcher() {
    FaultInjector injector =
        injector(
            fault()
                .addHeaders(HeaderMatcher.newBuilder().setName("x-user").setExactMatch("tester"))
                .addHeaders(HeaderMatcher.newBuilder().setName(":method").setExactMatch("GET"))
                .setAbort(httpAbort(503, percent(100)))
                .build());

    assertThat(injector.decide(get("/", "x-user", "other"), "b", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.NONE);
    assertThat(injector.decide(get("/", "x-user", "tester"), "b", RandomSource.seeded(1)).kind())
        .isEqualTo(Kind.ABORT);
  }

  @Test
  void countsPerDownstreamClusterUnlessDisabled() {
    HTTPFault.Builder proto =
        fault().setDelay(fixedDelay(5, percent(100))).setAbort(httpAbort(503, percent(100)));
    FaultDecision decision =
        injector(proto.build())
            .decide(
                get("/", FaultHeaders.DOWNSTREAM_SERVICE_CLUSTER, "web"),
                "backend",
                RandomSource.seeded(1));
    decision.delayElapsed();

    assertThat(counter("web.delays_injected")).isEqualTo(1);
    assertThat(counter("web.aborts_injected")).isEqualTo(1);

    injector(proto.setDisableDownstreamClusterStats(true).build())
        .decide(
            get("/", FaultHeaders.DOWNSTREAM_SERVICE_CLUSTER, "web"),
            "backend",
            RandomSource.seeded(1))
        .delayElapsed();
    assertThat(counter("web.delays_injected")).isEqualTo(1);
    assertThat(counter("delays_injected")).isEqualTo(2);
  }

  @Test
  void aRouteOverrideReplacesTheFilterConfigButSharesItsLimitAndStats() {
    FaultInjector injector =
        injector(FaultConfigs.withMaxActive(fault().setAbort(httpAbort(503, percent(100))), 1));
    HttpFaultConfig routeOverride = parse(fault().setAbort(httpAbort(418, percent(100))).build());

    FaultDecision decision =
        injector.decide(routeOverride, get("/"), "backend", RandomSource.seeded(1));

    assertThat(decision.abort().httpStatus()).isEqualTo(418);
    assertThat(counter("aborts_injected")).isEqualTo(1);
    assertThat(injector.activeFaults()).isEqualTo(1);
  }
}
