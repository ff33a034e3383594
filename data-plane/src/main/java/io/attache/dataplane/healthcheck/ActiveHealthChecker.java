package io.attache.dataplane.healthcheck;

import io.attache.dataplane.healthcheck.HostCheckListener.Transition;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.Host;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The running active health checker of one cluster, as Envoy's {@code HealthCheckerImplBase}: one
 * session per host with an interval timer and a timeout timer on the injected scheduler. A session
 * decides under its own lock and changes the host's flags on the cluster only after releasing it,
 * because the cluster calls in here (membership changes) with its lock held. Never blocks: probes
 * are asynchronous.
 */
final class ActiveHealthChecker implements HealthChecker {
  private final UpstreamCluster cluster;
  private final HealthCheckConfig config;
  private final HealthCheckStats stats;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final HealthProbe probe;
  private final List<HostCheckListener> listeners = new CopyOnWriteArrayList<>();
  // Guarded by this.
  private final Map<InetSocketAddress, Session> sessions = new LinkedHashMap<>();
  private boolean closed;
  private final java.util.Set<Session> awaitingFirstCheck = new java.util.HashSet<>();
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();
  private boolean started;

  private ActiveHealthChecker(
      UpstreamCluster cluster,
      HealthCheckConfig config,
      UpstreamContext context,
      HealthProbe probe) {
    this.cluster = cluster;
    this.config = config;
    this.stats = new HealthCheckStats(context.stats(), cluster.name());
    this.scheduler = context.scheduler();
    this.random = context.random();
    this.probe = probe;
  }

  static ActiveHealthChecker start(
      UpstreamCluster cluster,
      HealthCheckConfig config,
      UpstreamContext context,
      HealthProbe probe) {
    ActiveHealthChecker checker = new ActiveHealthChecker(cluster, config, context, probe);
    cluster.addMembershipListener(checker::onMembershipChange);
    synchronized (checker) {
      // Hosts present now are the ones warming waits for; later arrivals do not delay it.
      checker.awaitingFirstCheck.addAll(checker.sessions.values());
      checker.started = true;
      checker.firstCheckDone(null);
    }
    return checker;
  }

  @Override
  public void addHostCheckListener(HostCheckListener listener) {
    listeners.add(listener);
  }

  @Override
  public void setUnhealthy(Host host) {
    Session session;
    synchronized (this) {
      session = sessions.get(host.address());
    }
    if (session != null) {
      cluster.setHealthFlag(session.host, HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL);
      session.passiveFailure();
    }
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return initialized;
  }

  private synchronized void firstCheckDone(Session session) {
    if (session != null) {
      awaitingFirstCheck.remove(session);
    }
    if (started && awaitingFirstCheck.isEmpty()) {
      initialized.complete(null);
    }
  }

  @Override
  public void close() {
    List<Session> stopping;
    synchronized (this) {
      closed = true;
      stopping = new ArrayList<>(sessions.values());
      sessions.clear();
    }
    stopping.forEach(Session::stop);
  }

  private synchronized void onMembershipChange(List<Host> added, List<Host> removed) {
    if (closed) {
      return;
    }
    for (Host host : removed) {
      Session session = sessions.remove(host.address());
      if (session != null) {
        session.stop();
        firstCheckDone(session);
      }
    }
    for (Host host : added) {
      Session session = new Session(host);
      if (sessions.putIfAbsent(host.address(), session) == null) {
        session.start();
      }
    }
    refreshGauges();
  }

  private synchronized void refreshGauges() {
    long healthy = 0;
    long degraded = 0;
    for (Session session : sessions.values()) {
      if (!session.host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC)) {
        healthy++;
      }
      if (session.host.healthFlags().get(HealthFlag.DEGRADED_ACTIVE_HC)) {
        degraded++;
      }
    }
    stats.healthy.set(healthy);
    stats.degraded.set(degraded);
  }

  /**
   * Envoy's interval choice: with no traffic yet on the cluster the (slow) no-traffic intervals,
   * otherwise the edge intervals while a transition is pending, else the healthy or unhealthy one;
   * then {@code interval_jitter_percent} and {@code interval_jitter} are added.
   */
  Duration nextInterval(boolean passed, Transition transition) {
    Duration base;
    if (cluster.stats().upstreamCxTotal().value() > 0) {
      if (passed) {
        base =
            transition == Transition.CHANGE_PENDING
                ? config.healthyEdgeInterval()
                : config.interval();
      } else {
        base =
            transition == Transition.CHANGE_PENDING
                ? config.unhealthyEdgeInterval()
                : config.unhealthyInterval();
      }
    } else {
      base =
          passed && transition != Transition.CHANGE_PENDING
              ? config.noTrafficHealthyInterval()
              : config.noTrafficInterval();
    }
    return withJitter(base.toMillis(), config.intervalJitter());
  }

  private Duration withJitter(long baseMillis, Duration jitter) {
    long millis = baseMillis;
    long percentRange = config.intervalJitterPercent() * baseMillis / 100;
    if (percentRange > 0) {
      millis += random.nextLong(percentRange);
    }
    if (jitter.toMillis() > 0) {
      millis += random.nextLong(jitter.toMillis());
    }
    // Never 0, so a misconfiguration cannot spin.
    return Duration.ofMillis(Math.max(1, millis));
  }

  /** One flag change decided under a session lock and applied after it. */
  private record FlagOp(HealthFlag flag, boolean set) {}

  /**
   * What a check's outcome does, decided under the session lock. Its counters are bumped only after
   * its flag changes are applied, so whoever sees the count also sees the host's new health.
   */
  private record Decision(
      List<FlagOp> ops, Transition transition, boolean passed, boolean networkFailure) {}

  /** Envoy's {@code ActiveHealthCheckSession}: the check state of one host. */
  private final class Session {
    final Host host;
    final HealthProbe.Connection connection;
    // Guarded by this. The flags below mirror what this session last asked the cluster to set.
    boolean failed;
    boolean pending;
    boolean degraded;
    boolean timedOut;
    int numHealthy;
    int numUnhealthy;
    boolean firstCheck = true;
    long generation;
    boolean stopped;
    ScheduledTask intervalTimer = ScheduledTask.NONE;
    ScheduledTask timeoutTimer = ScheduledTask.NONE;

    Session(Host host) {
      this.host = host;
      this.connection = probe.connect(host);
      this.failed = host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC);
      this.pending = host.healthFlags().get(HealthFlag.PENDING_ACTIVE_HC);
      this.degraded = host.healthFlags().get(HealthFlag.DEGRADED_ACTIVE_HC);
    }

    synchronized void start() {
      Duration first =
          config.initialJitter().toMillis() > 0
              ? Duration.ofMillis(random.nextLong(config.initialJitter().toMillis()))
              : Duration.ZERO;
      intervalTimer = scheduler.schedule(first, this::onInterval);
    }

    void stop() {
      synchronized (this) {
        stopped = true;
        intervalTimer.cancel();
        timeoutTimer.cancel();
      }
      connection.close();
    }

    void onInterval() {
      long attempt;
      synchronized (this) {
        if (stopped) {
          return;
        }
        attempt = ++generation;
        timeoutTimer = scheduler.schedule(config.timeout(), () -> onTimeout(attempt));
        stats.attempt.inc();
      }
      connection.check(outcome -> onOutcome(attempt, outcome));
    }

    private void onTimeout(long attempt) {
      synchronized (this) {
        if (stopped || attempt != generation) {
          return;
        }
        generation++;
      }
      connection.abort();
      finish(failure(true, false, true));
    }

    private void onOutcome(long attempt, ProbeOutcome outcome) {
      Decision decision;
      synchronized (this) {
        if (stopped || attempt != generation) {
          return;
        }
        generation++;
        timeoutTimer.cancel();
        decision =
            switch (outcome) {
              case HEALTHY -> success(false);
              case DEGRADED -> success(true);
              case UNHEALTHY -> failure(false, false, false);
              case UNHEALTHY_RETRIABLE -> failure(false, true, false);
              case NETWORK_FAILURE -> failure(true, false, false);
            };
      }
      finish(decision);
    }

    void passiveFailure() {
      Decision decision;
      synchronized (this) {
        if (stopped) {
          return;
        }
        stats.passiveFailure.inc();
        decision = failureDecision(false, false, false);
      }
      finish(decision);
    }

    private Decision success(boolean nowDegraded) {
      numUnhealthy = 0;
      List<FlagOp> ops = new ArrayList<>();
      Transition transition = Transition.UNCHANGED;
      if (failed) {
        // Envoy trusts the very first check at once, so startup is fast.
        if (firstCheck || ++numHealthy == config.healthyThreshold()) {
          ops.add(new FlagOp(HealthFlag.ACTIVE_HC_TIMEOUT, false));
          ops.add(new FlagOp(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL, false));
          ops.add(new FlagOp(HealthFlag.FAILED_ACTIVE_HC, false));
          failed = false;
          timedOut = false;
          transition = Transition.CHANGED;
        } else {
          transition = Transition.CHANGE_PENDING;
        }
      }
      transition = clearPending(ops, transition);
      if (nowDegraded != degraded) {
        ops.add(new FlagOp(HealthFlag.DEGRADED_ACTIVE_HC, nowDegraded));
        degraded = nowDegraded;
        if (transition == Transition.UNCHANGED) {
          transition = Transition.CHANGED;
        }
      }
      firstCheck = false;
      intervalTimer = scheduler.schedule(nextInterval(true, transition), this::onInterval);
      return new Decision(ops, transition, true, false);
    }

    private Decision failure(boolean network, boolean retriable, boolean timeout) {
      Decision decision = failureDecision(network, retriable, timeout);
      intervalTimer =
          scheduler.schedule(nextInterval(false, decision.transition()), this::onInterval);
      return decision;
    }

    private Decision failureDecision(boolean network, boolean retriable, boolean timeout) {
      numHealthy = 0;
      List<FlagOp> ops = new ArrayList<>();
      Transition transition = Transition.UNCHANGED;
      if (!failed) {
        // An unexpected status fails the host at once; network trouble and retriable statuses
        // must repeat unhealthy_threshold times.
        if ((!network && !retriable) || ++numUnhealthy == config.unhealthyThreshold()) {
          ops.add(new FlagOp(HealthFlag.FAILED_ACTIVE_HC, true));
          failed = true;
          transition = Transition.CHANGED;
        } else {
          transition = Transition.CHANGE_PENDING;
        }
      }
      boolean nowTimedOut = timeout && failed;
      if (nowTimedOut != timedOut) {
        ops.add(new FlagOp(HealthFlag.ACTIVE_HC_TIMEOUT, nowTimedOut));
        timedOut = nowTimedOut;
      }
      transition = clearPending(ops, transition);
      firstCheck = false;
      return new Decision(ops, transition, false, network);
    }

    private Transition clearPending(List<FlagOp> ops, Transition transition) {
      if (!pending) {
        return transition;
      }
      pending = false;
      ops.add(new FlagOp(HealthFlag.PENDING_ACTIVE_HC, false));
      // The health may be unchanged, but the host is no longer excluded from balancing.
      return Transition.CHANGED;
    }

    private void finish(Decision decision) {
      firstCheckDone(this);
      if (!decision.ops().isEmpty()) {
        cluster.batchHealthUpdates(
            () -> {
              for (FlagOp op : decision.ops()) {
                if (op.set()) {
                  cluster.setHealthFlag(host, op.flag());
                } else {
                  cluster.clearHealthFlag(host, op.flag());
                }
              }
            });
      }
      if (decision.passed()) {
        stats.success.inc();
      } else {
        stats.failure.inc();
        if (decision.networkFailure()) {
          stats.networkFailure.inc();
        }
      }
      refreshGauges();
      for (HostCheckListener listener : listeners) {
        listener.onHostChecked(host, decision.transition(), decision.passed());
      }
    }
  }
}
