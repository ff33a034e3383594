package io.attache.dataplane.overload;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import java.time.Duration;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's overload manager: every {@code refresh_interval} it reads each resource monitor, turns
 * the pressures into action states through the triggers (an action's state is the largest any of
 * its triggers asks for) and publishes them for the connection manager and the listeners to read.
 * Runs {@code shrink_heap} itself, every 10 s while saturated, as Envoy's heap shrinker does, and
 * holds the proactive {@code global_downstream_max_connections} budget the listeners take from.
 * Timers go through the injected scheduler and ticker, readings through the injected {@link
 * JvmHeap}, so a test drives it step by step. Refreshes on one thread at a time; readers never
 * block and never see half an update. Must never throw out of a refresh: a monitor that fails keeps
 * its last pressure and counts {@code failed_updates}.
 */
public final class OverloadManager implements OverloadState, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(OverloadManager.class);

  /** Envoy's heap shrinker interval. */
  static final Duration SHRINK_INTERVAL = Duration.ofSeconds(10);

  private final OverloadManagerConfig config;
  private final JvmHeap heap;
  private final Scheduler scheduler;
  private final Ticker ticker;
  private final Histogram refreshIntervalDelay;
  private long lastMeasuredNanos;
  private final Map<String, Monitor> monitors = new LinkedHashMap<>();
  private final Map<OverloadActionName, ActionStats> actionStats =
      new EnumMap<>(OverloadActionName.class);
  private final Counter shrinkCount;
  private final GlobalDownstreamConnections downstreamConnections;
  private volatile double[] states = new double[OverloadActionName.values().length];
  private Scheduler.ScheduledTask refreshTask = Scheduler.ScheduledTask.NONE;
  private Scheduler.ScheduledTask shrinkTask = Scheduler.ScheduledTask.NONE;
  private boolean closed;

  private record Monitor(long maxHeapBytes, Gauge pressure, Counter failedUpdates) {}

  private record ActionStats(Gauge active, Gauge scalePercent) {}

  public OverloadManager(
      OverloadManagerConfig config,
      JvmHeap heap,
      Scheduler scheduler,
      Ticker ticker,
      StatsStore stats) {
    this.config = config;
    this.heap = heap;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.refreshIntervalDelay = stats.histogram("overload.refresh_interval_delay");
    config
        .fixedHeapMonitors()
        .forEach(
            (name, max) -> {
              String p = "overload." + name + ".";
              stats.counter(p + "skipped_updates"); // readings are synchronous: never skipped
              monitors.put(
                  name,
                  new Monitor(
                      max, stats.gauge(p + "pressure"), stats.counter(p + "failed_updates")));
            });
    config
        .actions()
        .keySet()
        .forEach(
            a -> {
              String p = "overload." + a.envoyName() + ".";
              actionStats.put(
                  a, new ActionStats(stats.gauge(p + "active"), stats.gauge(p + "scale_percent")));
            });
    downstreamConnections =
        config.maxActiveDownstreamConnections().isPresent()
            ? GlobalDownstreamConnections.limitedTo(
                config.maxActiveDownstreamConnections().getAsLong(),
                OverloadManagerConfig.GLOBAL_DOWNSTREAM_MAX_CONNECTIONS,
                stats)
            : GlobalDownstreamConnections.UNLIMITED;
    shrinkCount =
        config.actions().containsKey(OverloadActionName.SHRINK_HEAP)
            ? stats.counter(
                "overload." + OverloadActionName.SHRINK_HEAP.envoyName() + ".shrink_count")
            : null;
  }

  /** Schedules the first refresh one {@code refresh_interval} from now, as Envoy does. */
  public synchronized void start() {
    lastMeasuredNanos = ticker.nanoTime();
    refreshTask = scheduler.schedule(config.refreshInterval(), this::refreshAndReschedule);
    if (shrinkCount != null) {
      shrinkTask = scheduler.schedule(SHRINK_INTERVAL, this::shrinkAndReschedule);
    }
  }

  /** The global downstream connection budget every listener takes from (or none). */
  public GlobalDownstreamConnections downstreamConnections() {
    return downstreamConnections;
  }

  @Override
  public double value(OverloadActionName action) {
    return states[action.ordinal()];
  }

  /** Reads every monitor once and publishes the actions' new states. */
  public synchronized void refresh() {
    Map<String, Double> pressures = new LinkedHashMap<>();
    monitors.forEach(
        (name, monitor) -> {
          try {
            double pressure = (double) heap.usedBytes() / monitor.maxHeapBytes();
            monitor.pressure().set((long) (pressure * 100));
            pressures.put(name, pressure);
          } catch (RuntimeException e) {
            monitor.failedUpdates().inc();
            log.debug("overload: resource monitor {} failed: {}", name, e.toString());
          }
        });
    double[] next = states.clone();
    config
        .actions()
        .forEach(
            (action, triggers) -> {
              double state = stateOf(triggers, pressures, next[action.ordinal()]);
              next[action.ordinal()] = state;
              ActionStats s = actionStats.get(action);
              s.active().set(state >= 1.0 ? 1 : 0);
              s.scalePercent().set((long) (state * 100));
            });
    states = next;
  }

  /**
   * The largest state any trigger asks for; while a trigger's monitor failed, the action keeps its
   * state. A trigger on the proactive connection monitor asks for nothing: Envoy never refreshes a
   * proactive monitor, so such a trigger stays inactive.
   */
  private static double stateOf(
      List<OverloadTrigger> triggers, Map<String, Double> pressures, double previous) {
    double state = 0.0;
    for (OverloadTrigger trigger : triggers) {
      if (trigger.resource().equals(OverloadManagerConfig.GLOBAL_DOWNSTREAM_MAX_CONNECTIONS)) {
        continue;
      }
      Double pressure = pressures.get(trigger.resource());
      if (pressure == null) {
        return previous;
      }
      state = Math.max(state, trigger.stateFor(pressure));
    }
    return state;
  }

  private synchronized void refreshAndReschedule() {
    if (closed) {
      return;
    }
    // Envoy's overload.refresh_interval_delay: milliseconds since the previous measurement (since
    // start for the first), so a late timer shows as a value above refresh_interval.
    long now = ticker.nanoTime();
    refreshIntervalDelay.record(TimeUnit.NANOSECONDS.toMillis(now - lastMeasuredNanos));
    lastMeasuredNanos = now;
    refresh();
    refreshTask = scheduler.schedule(config.refreshInterval(), this::refreshAndReschedule);
  }

  private synchronized void shrinkAndReschedule() {
    if (closed) {
      return;
    }
    if (value(OverloadActionName.SHRINK_HEAP) >= 1.0) {
      heap.releaseFreeMemory();
      shrinkCount.inc();
    }
    shrinkTask = scheduler.schedule(SHRINK_INTERVAL, this::shrinkAndReschedule);
  }

  @Override
  public synchronized void close() {
    closed = true;
    refreshTask.cancel();
    shrinkTask.cancel();
  }
}
