package io.attache.dataplane.filter.fault;

import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The fault filter of one HTTP connection manager: decides, per request, whether to delay and/or
 * abort it, with Envoy's order of checks (upstream cluster, downstream node, headers, then the
 * delay and abort percentages), and keeps the shared {@code max_active_faults} count and the {@code
 * http.<stat_prefix>.fault.*} stats. Safe to call from every event loop at once; never blocks.
 */
public final class FaultInjector {
  private final HttpFaultConfig config;
  private final String filterName;
  private final StatsStore stats;
  private final String prefix;
  private final Counter abortsInjected;
  private final Counter delaysInjected;
  private final Counter faultsOverflow;
  private final Gauge activeFaultsGauge;
  private final AtomicLong activeFaults = new AtomicLong();

  /** A filter configured under its canonical name {@code envoy.filters.http.fault}. */
  public FaultInjector(HttpFaultConfig config, String statPrefix, StatsStore stats) {
    this(config, HttpFaultConfig.FILTER_NAME, statPrefix, stats);
  }

  /**
   * @param filterName the filter's {@code HttpFilter.name}: the key its per-route overrides use
   * @param statPrefix the connection manager's {@code stat_prefix}; stats are {@code
   *     http.<statPrefix>.fault.*}
   */
  public FaultInjector(
      HttpFaultConfig config, String filterName, String statPrefix, StatsStore stats) {
    this.config = config;
    this.filterName = filterName;
    this.stats = stats;
    this.prefix = "http." + statPrefix + ".fault.";
    this.abortsInjected = stats.counter(prefix + "aborts_injected");
    this.delaysInjected = stats.counter(prefix + "delays_injected");
    this.faultsOverflow = stats.counter(prefix + "faults_overflow");
    this.activeFaultsGauge = stats.gauge(prefix + "active_faults");
  }

  /**
   * The filter's configured name ({@code HttpFilter.name}); Envoy looks a route's {@code
   * typed_per_filter_config} up by it first, then by the canonical name.
   */
  public String filterName() {
    return filterName;
  }

  /**
   * Decides with what the route says: its most specific {@code HTTPFault} entry replaces the
   * filter's own config; a disabled entry switches the filter off for the request; otherwise the
   * filter's own config applies.
   */
  public FaultDecision decide(
      PerRouteFault perRoute, HttpRequest request, String clusterName, RandomSource random) {
    return switch (perRoute.kind()) {
      case FILTER_CONFIG -> decide(config, request, clusterName, random);
      case DISABLED -> FaultDecision.NONE;
      case OVERRIDE -> decide(perRoute.config().orElseThrow(), request, clusterName, random);
    };
  }

  /** Decides with the filter's own config. */
  public FaultDecision decide(HttpRequest request, String clusterName, RandomSource random) {
    return decide(config, request, clusterName, random);
  }

  /**
   * Decides with {@code settings}: the filter's own config or the route's most specific override
   * ({@code typed_per_filter_config["envoy.filters.http.fault"]}). Stats and the active-fault limit
   * stay those of this filter, as in Envoy. {@code clusterName} is the route's target cluster.
   */
  public FaultDecision decide(
      HttpFaultConfig settings, HttpRequest request, String clusterName, RandomSource random) {
    HttpHeaders headers = request.headers();
    if (!settings.upstreamCluster().isEmpty() && !settings.upstreamCluster().equals(clusterName)) {
      return FaultDecision.NONE;
    }
    if (!settings.downstreamNodes().isEmpty()) {
      String node = headers.get(FaultHeaders.DOWNSTREAM_SERVICE_NODE);
      if (node == null || !settings.downstreamNodes().contains(node)) {
        return FaultDecision.NONE;
      }
    }
    if (!HeaderMatch.allMatch(
        settings.headers(),
        HeaderSource.ofRequest(request, request.headers().get("x-forwarded-proto", "http")))) {
      return FaultDecision.NONE;
    }
    String downstreamCluster = headers.get(FaultHeaders.DOWNSTREAM_SERVICE_CLUSTER, "");
    boolean perClusterStats =
        !downstreamCluster.isEmpty() && !settings.disableDownstreamClusterStats();
    Runnable countAbort =
        () -> {
          if (perClusterStats) {
            stats.counter(prefix + downstreamCluster + ".aborts_injected").inc();
          }
          abortsInjected.inc();
        };

    ActiveFault active = ActiveFault.NONE;
    Optional<Duration> delay = delayFor(settings, headers, random);
    if (delay.isPresent()) {
      active = tryActivate(settings);
      if (active == ActiveFault.NONE) {
        delay = Optional.empty();
      } else {
        if (perClusterStats) {
          stats.counter(prefix + downstreamCluster + ".delays_injected").inc();
        }
        delaysInjected.inc();
      }
    }
    Optional<FaultDecision.Abort> abort = abortFor(settings, headers, random);
    if (delay.isPresent()) {
      // The abort follows the delay; this stream already holds its one active fault.
      return abort.isPresent()
          ? new FaultDecision(
              FaultDecision.Kind.DELAY_THEN_ABORT, delay.get(), abort.get(), active, countAbort)
          : new FaultDecision(FaultDecision.Kind.DELAY, delay.get(), null, active, countAbort);
    }
    if (abort.isPresent()) {
      active = tryActivate(settings);
      if (active != ActiveFault.NONE) {
        FaultDecision decision =
            new FaultDecision(
                FaultDecision.Kind.ABORT, Duration.ZERO, abort.get(), active, countAbort);
        decision.countAbort();
        return decision;
      }
    }
    return FaultDecision.NONE;
  }

  private static Optional<Duration> delayFor(
      HttpFaultConfig settings, HttpHeaders headers, RandomSource random) {
    if (settings.delay().isEmpty()) {
      return Optional.empty();
    }
    FaultDelayConfig delay = settings.delay().get();
    if (!delay.percentage(headers).selects(random)) {
      return Optional.empty();
    }
    return delay.delayFor(headers);
  }

  private static Optional<FaultDecision.Abort> abortFor(
      HttpFaultConfig settings, HttpHeaders headers, RandomSource random) {
    if (settings.abort().isEmpty()) {
      return Optional.empty();
    }
    FaultAbortConfig abort = settings.abort().get();
    if (!abort.percentage(headers).selects(random)) {
      return Optional.empty();
    }
    return abort.abortFor(headers);
  }

  /** Takes one active-fault slot, or counts an overflow and returns {@link ActiveFault#NONE}. */
  private ActiveFault tryActivate(HttpFaultConfig settings) {
    long max = settings.maxActiveFaults().orElse(Long.MAX_VALUE);
    while (true) {
      long current = activeFaults.get();
      if (current >= max) {
        faultsOverflow.inc();
        return ActiveFault.NONE;
      }
      if (activeFaults.compareAndSet(current, current + 1)) {
        activeFaultsGauge.inc();
        return new Slot();
      }
    }
  }

  /** How many faults are in progress right now (also the {@code active_faults} gauge). */
  public long activeFaults() {
    return activeFaults.get();
  }

  /** One stream's claim on an active-fault slot; released at most once. */
  interface ActiveFault {
    ActiveFault NONE = () -> {};

    void release();
  }

  private final class Slot implements ActiveFault {
    private final AtomicBoolean released = new AtomicBoolean();

    @Override
    public void release() {
      if (released.compareAndSet(false, true)) {
        activeFaults.decrementAndGet();
        activeFaultsGauge.dec();
      }
    }
  }
}
