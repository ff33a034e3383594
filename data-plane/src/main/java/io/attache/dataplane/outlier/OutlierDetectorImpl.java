package io.attache.dataplane.outlier;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.time.Ticker;
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
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The running outlier detector of one cluster, as Envoy's {@code DetectorImpl}: consecutive-error
 * detectors eject inline (on the reporting event loop, under this object's short lock), the success
 * rate and failure percentage detectors and every un-ejection run on the interval timer. Host flags
 * are changed on the cluster only after this object's lock is released, so it never waits for the
 * cluster while holding it (the cluster calls in here with its own lock held on membership
 * changes).
 */
final class OutlierDetectorImpl implements OutlierDetector {
  private final UpstreamCluster cluster;
  private final OutlierDetectionConfig config;
  private final OutlierStats stats;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final RandomSource random;
  private final Map<InetSocketAddress, HostMonitorImpl> lookup = new ConcurrentHashMap<>();
  // Guarded by this: ordered as the cluster lists its hosts, so sweeps are deterministic.
  private final Map<InetSocketAddress, HostMonitorImpl> ordered = new LinkedHashMap<>();
  private int ejectionsActive;
  private ScheduledTask intervalTimer = ScheduledTask.NONE;
  private boolean closed;
  private SuccessRateNumbers externalNumbers = SuccessRateNumbers.NONE;
  private SuccessRateNumbers localNumbers = SuccessRateNumbers.NONE;

  /** The mean and ejection threshold the last sweep computed; -1 each when it computed none. */
  record SuccessRateNumbers(double average, double ejectionThreshold) {
    static final SuccessRateNumbers NONE = new SuccessRateNumbers(-1, -1);
  }

  /** One flag change decided under the lock and applied after it. */
  private record FlagChange(Host host, boolean eject) {}

  private OutlierDetectorImpl(
      UpstreamCluster cluster,
      OutlierDetectionConfig config,
      UpstreamContext context,
      Ticker ticker) {
    this.cluster = cluster;
    this.config = config;
    this.stats = new OutlierStats(context.stats(), cluster.name());
    this.scheduler = context.scheduler();
    this.ticker = ticker;
    this.random = context.random();
  }

  static OutlierDetectorImpl start(
      UpstreamCluster cluster,
      OutlierDetectionConfig config,
      UpstreamContext context,
      Ticker ticker) {
    OutlierDetectorImpl detector = new OutlierDetectorImpl(cluster, config, context, ticker);
    cluster.addMembershipListener(detector::onMembershipChange);
    synchronized (detector) {
      detector.armIntervalTimer();
    }
    return detector;
  }

  OutlierDetectionConfig config() {
    return config;
  }

  synchronized SuccessRateNumbers successRateNumbers(HostMonitor.SuccessRateOrigin origin) {
    return origin == HostMonitor.SuccessRateOrigin.EXTERNAL ? externalNumbers : localNumbers;
  }

  @Override
  public HostMonitor monitor(Host host) {
    HostMonitor monitor = lookup.get(host.address());
    return monitor == null ? HostMonitor.NONE : monitor;
  }

  private synchronized void onMembershipChange(List<Host> added, List<Host> removed) {
    for (Host host : removed) {
      HostMonitorImpl monitor = ordered.remove(host.address());
      lookup.remove(host.address());
      if (monitor != null && monitor.ejected) {
        ejectionsActive--;
        stats.ejectionsActive.dec();
      }
    }
    for (Host host : added) {
      HostMonitorImpl monitor = new HostMonitorImpl(host);
      if (host.healthFlags().get(HealthFlag.FAILED_OUTLIER_CHECK)) {
        // A LOGICAL_DNS host that moved to a new address keeps its flags: it stays ejected, for
        // one base ejection time from now, so it is neither stuck out nor let back early.
        monitor.ejected = true;
        monitor.lastEjectionNanos = ticker.nanoTime();
        monitor.ejectTimeBackoff = 1;
        ejectionsActive++;
        stats.ejectionsActive.inc();
      }
      if (ordered.putIfAbsent(host.address(), monitor) == null) {
        lookup.put(host.address(), monitor);
      }
    }
  }

  @Override
  public void onActiveHealthCheck(Host host, boolean passed) {
    if (!config.successfulActiveHealthCheckUnejectHost() || !passed) {
      return;
    }
    HostMonitorImpl monitor = lookup.get(host.address());
    if (monitor == null || host.healthFlags().get(HealthFlag.FAILED_ACTIVE_HC)) {
      return;
    }
    synchronized (this) {
      if (closed || !monitor.ejected) {
        return;
      }
      unejectLocked(monitor, ticker.nanoTime());
    }
    cluster.clearHealthFlag(monitor.host, HealthFlag.FAILED_OUTLIER_CHECK);
  }

  @Override
  public synchronized void close() {
    closed = true;
    intervalTimer.cancel();
    intervalTimer = ScheduledTask.NONE;
  }

  private void armIntervalTimer() {
    intervalTimer = scheduler.schedule(config.interval(), this::onIntervalTimer);
  }

  /** A consecutive-error detector of {@code monitor} reached its threshold. */
  private void onConsecutiveError(HostMonitorImpl monitor, EjectionType type) {
    FlagChange change;
    synchronized (this) {
      if (closed || lookup.get(monitor.host.address()) != monitor || monitor.ejected) {
        return;
      }
      stats.detected(type);
      change = ejectLocked(monitor, type, ticker.nanoTime());
      // Reset so a new run of errors is needed, whether or not the ejection happened.
      switch (type) {
        case CONSECUTIVE_5XX -> {
          stats.ejectionsConsecutive5xx.inc();
          monitor.consecutive5xx.set(0);
        }
        case CONSECUTIVE_GATEWAY_FAILURE -> monitor.consecutiveGatewayFailure.set(0);
        case CONSECUTIVE_LOCAL_ORIGIN_FAILURE -> monitor.consecutiveLocalOriginFailure.set(0);
        default -> throw new IllegalArgumentException("not a consecutive detector: " + type);
      }
    }
    if (change != null) {
      apply(List.of(change));
    }
  }

  /**
   * Envoy's {@code ejectHost}: respects {@code max_ejection_percent} (the host must fit: {@code 100
   * * (ejected + 1) / hosts <= max}, or be the first with {@code always_eject_one_host}), then
   * rolls the detector's enforcing percentage. Returns the flag change to apply, or null.
   */
  private FlagChange ejectLocked(HostMonitorImpl monitor, EjectionType type, long now) {
    double ejectedPercent = 100.0 * (ejectionsActive + 1) / ordered.size();
    boolean shouldEject = ejectedPercent <= config.maxEjectionPercent();
    if (config.alwaysEjectOneHost()) {
      shouldEject |= ejectionsActive == 0;
    }
    if (!shouldEject) {
      stats.ejectionsOverflow.inc();
      return null;
    }
    if (type == EjectionType.CONSECUTIVE_5XX || type == EjectionType.SUCCESS_RATE) {
      stats.ejectionsTotal.inc();
    }
    if (!enforced(type.enforcing(config))) {
      return null;
    }
    ejectionsActive++;
    stats.ejectionsActive.inc();
    stats.enforced(type);
    monitor.ejected = true;
    monitor.numEjections.incrementAndGet();
    monitor.lastEjectionNanos = now;
    long jitterMillis = config.maxEjectionTimeJitter().toMillis();
    monitor.jitter = Duration.ofMillis(jitterMillis > 0 ? random.nextLong(jitterMillis + 1) : 0);
    // Envoy grows the back-off only while it can still raise the capped ejection time.
    long base = config.baseEjectionTime().toNanos();
    if (monitor.ejectTimeBackoff * base < config.maxEjectionTime().toNanos() + base) {
      monitor.ejectTimeBackoff++;
    }
    return new FlagChange(monitor.host, true);
  }

  private boolean enforced(int percent) {
    if (percent >= 100) {
      return true;
    }
    return percent > 0 && random.nextLong(100) < percent;
  }

  private void unejectLocked(HostMonitorImpl monitor, long now) {
    ejectionsActive--;
    stats.ejectionsActive.dec();
    monitor.ejected = false;
    monitor.consecutive5xx.set(0);
    monitor.consecutiveGatewayFailure.set(0);
    monitor.consecutiveLocalOriginFailure.set(0);
    monitor.lastUnejectionNanos = now;
  }

  private void onIntervalTimer() {
    List<FlagChange> changes = new ArrayList<>();
    synchronized (this) {
      if (closed) {
        return;
      }
      long now = ticker.nanoTime();
      for (HostMonitorImpl monitor : ordered.values()) {
        if (monitor.ejected
            && monitor.ejectionTime().toNanos() <= now - monitor.lastEjectionNanos) {
          unejectLocked(monitor, now);
          changes.add(new FlagChange(monitor.host, false));
        }
        monitor.external.swap();
        monitor.local.swap();
        monitor.externalSuccessRate = -1;
        monitor.localSuccessRate = -1;
      }
      externalNumbers = processSuccessRate(HostMonitor.SuccessRateOrigin.EXTERNAL, now, changes);
      localNumbers = processSuccessRate(HostMonitor.SuccessRateOrigin.LOCAL, now, changes);
      long interval = config.interval().toNanos();
      for (HostMonitorImpl monitor : ordered.values()) {
        if (!monitor.ejected
            && monitor.lastUnejectionNanos != Long.MIN_VALUE
            && now - monitor.lastUnejectionNanos >= interval
            && monitor.ejectTimeBackoff > 0) {
          monitor.ejectTimeBackoff--;
        }
      }
      armIntervalTimer();
    }
    apply(changes);
  }

  private SuccessRateNumbers processSuccessRate(
      HostMonitor.SuccessRateOrigin origin, long now, List<FlagChange> changes) {
    int hosts = ordered.size();
    if (hosts < config.successRateMinimumHosts()
        && hosts < config.failurePercentageMinimumHosts()) {
      return SuccessRateNumbers.NONE;
    }
    record Rate(HostMonitorImpl monitor, double rate) {}
    List<Rate> forSuccessRate = new ArrayList<>();
    List<Rate> forFailurePercentage = new ArrayList<>();
    double sum = 0;
    long minVolume =
        Math.min(config.successRateRequestVolume(), config.failurePercentageRequestVolume());
    for (HostMonitorImpl monitor : ordered.values()) {
      if (monitor.ejected) {
        continue;
      }
      SuccessRateAccumulator accumulator =
          origin == HostMonitor.SuccessRateOrigin.EXTERNAL ? monitor.external : monitor.local;
      long volume = accumulator.lastVolume();
      if (volume == 0) {
        continue;
      }
      double rate = accumulator.lastSuccessRate();
      if (volume >= minVolume) {
        monitor.setSuccessRate(origin, rate);
      }
      if (volume >= config.successRateRequestVolume()) {
        forSuccessRate.add(new Rate(monitor, rate));
        sum += rate;
      }
      if (volume >= config.failurePercentageRequestVolume()) {
        forFailurePercentage.add(new Rate(monitor, rate));
      }
    }
    SuccessRateNumbers numbers = SuccessRateNumbers.NONE;
    boolean external = origin == HostMonitor.SuccessRateOrigin.EXTERNAL;
    if (!forSuccessRate.isEmpty() && forSuccessRate.size() >= config.successRateMinimumHosts()) {
      double[] rates = forSuccessRate.stream().mapToDouble(Rate::rate).toArray();
      numbers = successRateNumbers(sum, rates, config.successRateStdevFactor() / 1000.0);
      EjectionType type =
          external ? EjectionType.SUCCESS_RATE : EjectionType.SUCCESS_RATE_LOCAL_ORIGIN;
      for (Rate r : forSuccessRate) {
        if (r.rate() < numbers.ejectionThreshold() && !r.monitor().ejected) {
          stats.ejectionsSuccessRate.inc();
          stats.detected(type);
          addIfEjected(changes, ejectLocked(r.monitor(), type, now));
        }
      }
    }
    if (!forFailurePercentage.isEmpty()
        && forFailurePercentage.size() >= config.failurePercentageMinimumHosts()) {
      EjectionType type =
          external ? EjectionType.FAILURE_PERCENTAGE : EjectionType.FAILURE_PERCENTAGE_LOCAL_ORIGIN;
      for (Rate r : forFailurePercentage) {
        if (100.0 - r.rate() >= config.failurePercentageThreshold() && !r.monitor().ejected) {
          stats.detected(type);
          addIfEjected(changes, ejectLocked(r.monitor(), type, now));
        }
      }
    }
    return numbers;
  }

  private static void addIfEjected(List<FlagChange> changes, FlagChange change) {
    if (change != null) {
      changes.add(change);
    }
  }

  /**
   * Envoy's success-rate threshold: mean minus {@code stdevFactor} population standard deviations
   * of the hosts' success rates (percentages).
   */
  static SuccessRateNumbers successRateNumbers(double sum, double[] rates, double stdevFactor) {
    double mean = sum / rates.length;
    double variance = 0;
    for (double rate : rates) {
      variance += (rate - mean) * (rate - mean);
    }
    variance /= rates.length;
    return new SuccessRateNumbers(mean, mean - stdevFactor * Math.sqrt(variance));
  }

  private void apply(List<FlagChange> changes) {
    if (changes.isEmpty()) {
      return;
    }
    cluster.batchHealthUpdates(
        () -> {
          for (FlagChange change : changes) {
            if (change.eject()) {
              cluster.setHealthFlag(change.host(), HealthFlag.FAILED_OUTLIER_CHECK);
            } else {
              cluster.clearHealthFlag(change.host(), HealthFlag.FAILED_OUTLIER_CHECK);
            }
          }
        });
  }

  /** Test and admin view of one host's monitor. */
  HostMonitorImpl monitorOf(Host host) {
    return lookup.get(host.address());
  }

  /**
   * Two buckets of request counts: the data path writes the current one, the sweep reads the one
   * that was current during the last full interval (Envoy's {@code SuccessRateAccumulator}).
   */
  static final class SuccessRateAccumulator {
    private static final class Bucket {
      final AtomicLong success = new AtomicLong();
      final AtomicLong total = new AtomicLong();
    }

    private final AtomicReference<Bucket> current = new AtomicReference<>(new Bucket());
    private volatile Bucket last = new Bucket();

    void record(boolean success) {
      Bucket bucket = current.get();
      bucket.total.incrementAndGet();
      if (success) {
        bucket.success.incrementAndGet();
      }
    }

    void swap() {
      last = current.getAndSet(new Bucket());
    }

    long lastVolume() {
      return last.total.get();
    }

    double lastSuccessRate() {
      Bucket bucket = last;
      return bucket.success.get() * 100.0 / bucket.total.get();
    }
  }

  /**
   * Envoy's {@code DetectorHostMonitorImpl}: counters on atomics, ejection state under the detector
   * lock.
   */
  final class HostMonitorImpl implements HostMonitor {
    final Host host;
    final AtomicInteger consecutive5xx = new AtomicInteger();
    final AtomicInteger consecutiveGatewayFailure = new AtomicInteger();
    final AtomicInteger consecutiveLocalOriginFailure = new AtomicInteger();
    final AtomicInteger numEjections = new AtomicInteger();
    final SuccessRateAccumulator external = new SuccessRateAccumulator();
    final SuccessRateAccumulator local = new SuccessRateAccumulator();
    // Guarded by the detector.
    boolean ejected;
    long lastEjectionNanos;
    long lastUnejectionNanos = Long.MIN_VALUE;
    long ejectTimeBackoff;
    Duration jitter = Duration.ZERO;
    private volatile double externalSuccessRate = -1;
    private volatile double localSuccessRate = -1;

    HostMonitorImpl(Host host) {
      this.host = host;
    }

    /** {@code min(base_ejection_time * backoff, max_ejection_time) + jitter}. */
    Duration ejectionTime() {
      synchronized (OutlierDetectorImpl.this) {
        Duration scaled = config.baseEjectionTime().multipliedBy(ejectTimeBackoff);
        Duration capped =
            scaled.compareTo(config.maxEjectionTime()) < 0 ? scaled : config.maxEjectionTime();
        return capped.plus(jitter);
      }
    }

    boolean isEjected() {
      synchronized (OutlierDetectorImpl.this) {
        return ejected;
      }
    }

    void setSuccessRate(SuccessRateOrigin origin, double rate) {
      if (origin == SuccessRateOrigin.EXTERNAL) {
        externalSuccessRate = rate;
      } else {
        localSuccessRate = rate;
      }
    }

    @Override
    public double successRate(SuccessRateOrigin origin) {
      return origin == SuccessRateOrigin.EXTERNAL ? externalSuccessRate : localSuccessRate;
    }

    @Override
    public int numEjections() {
      return numEjections.get();
    }

    @Override
    public void putHttpResponseCode(int code) {
      if (code >= 500 && code <= 599) {
        external.record(false);
        if (code == 502 || code == 503 || code == 504) {
          if (consecutiveGatewayFailure.incrementAndGet() == config.consecutiveGatewayFailure()) {
            onConsecutiveError(this, EjectionType.CONSECUTIVE_GATEWAY_FAILURE);
          }
        } else {
          consecutiveGatewayFailure.set(0);
        }
        if (consecutive5xx.incrementAndGet() == config.consecutive5xx()) {
          onConsecutiveError(this, EjectionType.CONSECUTIVE_5XX);
        }
      } else {
        external.record(true);
        consecutive5xx.set(0);
        consecutiveGatewayFailure.set(0);
      }
    }

    @Override
    public void putResult(OutlierResult result) {
      if (config.splitExternalLocalOriginErrors()) {
        putResultSplit(result);
        return;
      }
      switch (result) {
        case EXT_ORIGIN_REQUEST_SUCCESS, LOCAL_ORIGIN_CONNECT_SUCCESS_FINAL ->
            putHttpResponseCode(200);
        case LOCAL_ORIGIN_TIMEOUT -> putHttpResponseCode(504);
        case LOCAL_ORIGIN_CONNECT_FAILED -> putHttpResponseCode(503);
        case EXT_ORIGIN_REQUEST_FAILED -> putHttpResponseCode(500);
        // The HTTP status that follows a successful connect is reported on its own.
        case LOCAL_ORIGIN_CONNECT_SUCCESS -> {}
      }
    }

    @Override
    public void putResult(OutlierResult result, int httpCode) {
      if (config.splitExternalLocalOriginErrors()) {
        putResultSplit(result);
      } else {
        putHttpResponseCode(httpCode);
      }
    }

    private void putResultSplit(OutlierResult result) {
      switch (result) {
        case LOCAL_ORIGIN_CONNECT_SUCCESS, LOCAL_ORIGIN_CONNECT_SUCCESS_FINAL ->
            localOriginNoFailure();
        case LOCAL_ORIGIN_TIMEOUT, LOCAL_ORIGIN_CONNECT_FAILED -> localOriginFailure();
        case EXT_ORIGIN_REQUEST_FAILED -> putHttpResponseCode(503);
        case EXT_ORIGIN_REQUEST_SUCCESS -> {
          putHttpResponseCode(200);
          localOriginNoFailure();
        }
      }
    }

    private void localOriginFailure() {
      local.record(false);
      if (consecutiveLocalOriginFailure.incrementAndGet()
          == config.consecutiveLocalOriginFailure()) {
        onConsecutiveError(this, EjectionType.CONSECUTIVE_LOCAL_ORIGIN_FAILURE);
      }
    }

    private void localOriginNoFailure() {
      local.record(true);
      consecutiveLocalOriginFailure.set(0);
    }

    @Override
    public void putResponseTime(Duration elapsed) {}

    @Override
    public String toString() {
      return host + (ejected ? " ejected" : "");
    }
  }
}
