package io.attache.dataplane.outlier;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.host.HostSet;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/**
 * A cluster's visible three-state breaker. By default it is derived from Envoy's own mechanisms:
 * OPEN while panic is off ({@code healthy_panic_threshold} 0) and no host is healthy or degraded
 * (all ejected or failing checks: requests fail fast without touching the network), HALF_OPEN once
 * a host comes back (an un-ejection or a passing check) until the first request result, CLOSED
 * otherwise; its gate admits everything, as a stock Envoy does. With the opt-in strict mode
 * (cluster metadata, see {@link StrictBreakerConfig}) the state is that of the strict one-probe
 * state machine instead, and the gate enforces it. Shows its state in {@code
 * cluster.<name>.attache.breaker_state} and counts each transition. Thread-safe; never blocks
 * beyond this object's lock.
 */
public final class ClusterBreaker implements BreakerGate {
  /** One state change, with monotonic and wall-clock times for the admin page. */
  public record Transition(BreakerState from, BreakerState to, long nanoTime, Instant at) {}

  private final Optional<StrictBreakerConfig> strict;
  private final int panicThresholdPercent;
  private final Ticker ticker;
  private final Clock clock;
  private final Gauge stateGauge;
  private final Map<BreakerState, Map<BreakerState, Counter>> transitions =
      new EnumMap<>(BreakerState.class);
  // Guarded by this.
  private BreakerState state = BreakerState.CLOSED;

  /** When the state last changed (wall clock), so dashboards can show the transition time. */
  private final Gauge lastTransitionGauge;

  private Transition lastTransition;
  private int consecutiveFailures;
  private long openedAtNanos;
  private boolean probeInFlight;

  ClusterBreaker(
      String clusterName,
      Optional<StrictBreakerConfig> strict,
      int panicThresholdPercent,
      StatsStore stats,
      Ticker ticker,
      Clock clock) {
    this.strict = strict;
    this.panicThresholdPercent = panicThresholdPercent;
    this.ticker = ticker;
    this.clock = clock;
    String prefix = "cluster." + clusterName + ".attache.";
    this.stateGauge = stats.gauge(prefix + "breaker_state");
    this.lastTransitionGauge = stats.gauge(prefix + "breaker_last_transition_epoch_ms");
    stateGauge.set(BreakerState.CLOSED.gaugeValue());
    counter(stats, prefix, BreakerState.CLOSED, BreakerState.OPEN);
    counter(stats, prefix, BreakerState.OPEN, BreakerState.HALF_OPEN);
    counter(stats, prefix, BreakerState.HALF_OPEN, BreakerState.CLOSED);
    counter(stats, prefix, BreakerState.HALF_OPEN, BreakerState.OPEN);
    this.lastTransition =
        new Transition(
            BreakerState.CLOSED, BreakerState.CLOSED, ticker.nanoTime(), clock.instant());
  }

  private void counter(StatsStore stats, String prefix, BreakerState from, BreakerState to) {
    transitions
        .computeIfAbsent(from, f -> new EnumMap<>(BreakerState.class))
        .put(to, stats.counter(prefix + "breaker_" + from.statName() + "_to_" + to.statName()));
  }

  /**
   * The breaker of {@code cluster}: strict when its metadata asks for it, else derived from its
   * host health (registered on the cluster, so it follows every ejection and check).
   *
   * @throws ConfigException naming {@code clusters[<name>].metadata...}
   */
  public static ClusterBreaker create(
      UpstreamCluster cluster, StatsStore stats, Ticker ticker, Clock clock)
      throws ConfigException {
    Optional<StrictBreakerConfig> strict =
        StrictBreakerConfig.fromMetadata(
            cluster.definition().source().getMetadata(),
            "clusters[" + cluster.name() + "].metadata");
    ClusterBreaker breaker =
        new ClusterBreaker(
            cluster.name(),
            strict,
            cluster.lbSettings().healthyPanicThresholdPercent(),
            stats,
            ticker,
            clock);
    if (strict.isEmpty()) {
      cluster.addHealthListener(breaker::onHosts);
    }
    return breaker;
  }

  public synchronized BreakerState state() {
    return state;
  }

  public synchronized Transition lastTransition() {
    return lastTransition;
  }

  /** Whether the strict one-probe mode is on (an Attaché extension). */
  public boolean strict() {
    return strict.isPresent();
  }

  /** A new host snapshot: derive OPEN / HALF_OPEN from whether a pick can find any host. */
  synchronized void onHosts(PrioritySet hosts) {
    boolean failFast = panicThresholdPercent == 0 && !hosts.isEmpty() && noneAvailable(hosts);
    if (failFast && state != BreakerState.OPEN) {
      moveTo(BreakerState.OPEN);
    } else if (!failFast && state == BreakerState.OPEN) {
      moveTo(BreakerState.HALF_OPEN);
    }
  }

  private static boolean noneAvailable(PrioritySet hosts) {
    for (HostSet set : hosts.hostSets()) {
      if (!set.healthyHosts().isEmpty() || !set.degradedHosts().isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public synchronized Admission tryAdmit() {
    if (strict.isEmpty()) {
      return Admission.ADMIT;
    }
    switch (state) {
      case CLOSED -> {
        return Admission.ADMIT;
      }
      case OPEN -> {
        if (ticker.nanoTime() - openedAtNanos < strict.get().sleepWindow().toNanos()) {
          return Admission.REJECT_OPEN;
        }
        moveTo(BreakerState.HALF_OPEN);
        probeInFlight = true;
        return Admission.ADMIT;
      }
      case HALF_OPEN -> {
        if (probeInFlight) {
          return Admission.REJECT_PROBE_IN_FLIGHT;
        }
        probeInFlight = true;
        return Admission.ADMIT;
      }
    }
    throw new IllegalStateException(state.name());
  }

  @Override
  public synchronized void onResult(boolean success) {
    if (strict.isEmpty()) {
      // Derived mode: the first success after hosts came back closes the breaker; a failure leaves
      // the decision to outlier detection (a re-ejection opens it again).
      if (state == BreakerState.HALF_OPEN && success) {
        moveTo(BreakerState.CLOSED);
      }
      return;
    }
    switch (state) {
      case CLOSED -> {
        if (success) {
          consecutiveFailures = 0;
        } else if (++consecutiveFailures >= strict.get().failureThreshold()) {
          open();
        }
      }
      case OPEN -> {
        // A late answer to a request admitted before the breaker opened changes nothing.
      }
      case HALF_OPEN -> {
        probeInFlight = false;
        if (success) {
          consecutiveFailures = 0;
          moveTo(BreakerState.CLOSED);
        } else {
          open();
        }
      }
    }
  }

  /** How long until an OPEN strict breaker lets its probe through; ZERO otherwise. */
  public synchronized Duration remainingSleep() {
    if (strict.isEmpty() || state != BreakerState.OPEN) {
      return Duration.ZERO;
    }
    long left = strict.get().sleepWindow().toNanos() - (ticker.nanoTime() - openedAtNanos);
    return Duration.ofNanos(Math.max(0, left));
  }

  private void open() {
    consecutiveFailures = 0;
    openedAtNanos = ticker.nanoTime();
    moveTo(BreakerState.OPEN);
  }

  private void moveTo(BreakerState next) {
    transitions.get(state).get(next).inc();
    lastTransition = new Transition(state, next, ticker.nanoTime(), clock.instant());
    state = next;
    stateGauge.set(next.gaugeValue());
    lastTransitionGauge.set(lastTransition.at().toEpochMilli());
  }
}
