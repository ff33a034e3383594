package io.attache.dataplane.overload;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Envoy's proactive {@code envoy.resource_monitors.global_downstream_max_connections}: a listener
 * takes one of {@code max_active_downstream_connections} for each connection it accepts (unless it
 * sets {@code ignore_global_conn_limit}) and gives one back when the connection closes (see {@link
 * #release()}); with none left it closes the new connection at once. As in Envoy 1.40, a refusal
 * counts {@code overload.<monitor>.failed_updates}, and {@code overload.<monitor>.pressure} exists
 * and stays 0 (the periodic refresh never reads a proactive monitor, so a trigger naming it never
 * fires). Called from every event loop; lock-free, never blocks.
 */
public final class GlobalDownstreamConnections {
  /** No global limit configured: every connection is accepted and nothing is counted. */
  public static final GlobalDownstreamConnections UNLIMITED =
      new GlobalDownstreamConnections(Long.MAX_VALUE, null);

  private final long max;
  private final Counter failedUpdates;
  private final AtomicLong active = new AtomicLong();

  private GlobalDownstreamConnections(long max, Counter failedUpdates) {
    this.max = max;
    this.failedUpdates = failedUpdates;
  }

  /** The monitor {@code name} allowing {@code max} connections, its stats in {@code stats}. */
  static GlobalDownstreamConnections limitedTo(long max, String name, StatsStore stats) {
    String p = "overload." + name + ".";
    stats.gauge(p + "pressure");
    return new GlobalDownstreamConnections(max, stats.counter(p + "failed_updates"));
  }

  /**
   * Takes one connection from the budget; false (counted in {@code failed_updates}) when {@code
   * max_active_downstream_connections} are already open.
   */
  public boolean tryAcquire() {
    if (failedUpdates == null) {
      return true;
    }
    long now = active.incrementAndGet();
    if (now > max) {
      active.decrementAndGet();
      failedUpdates.inc();
      return false;
    }
    return true;
  }

  /**
   * Gives back a share when a connection closes. Envoy 1.40 gives one back for every connection a
   * listener accepted, {@code ignore_global_conn_limit} listeners' (which took none) included, so
   * one of theirs frees a share another connection holds; with none held the give-back fails and
   * counts {@code failed_updates}. Attaché does the same (probed: two connections held, one to an
   * exempt listener opened and closed, and a third is admitted).
   */
  public void release() {
    if (failedUpdates == null) {
      return;
    }
    long now;
    do {
      now = active.get();
      if (now == 0) {
        failedUpdates.inc();
        return;
      }
    } while (!active.compareAndSet(now, now - 1));
  }

  /** Connections holding a share of the budget right now. */
  public long active() {
    return active.get();
  }
}
