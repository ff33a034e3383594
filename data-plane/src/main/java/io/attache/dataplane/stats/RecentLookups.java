package io.attache.dataplane.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Envoy's recent stat-name lookups ({@code /stats/recentlookups}): every lookup of a stat by name
 * is counted; while tracking is enabled the names looked up most recently (at most {@link
 * #CAPACITY}, least recently used evicted first) are kept with their counts, to find code that
 * looks stats up per request. Disabled, a lookup costs one counter increment and takes no lock.
 * Thread-safe; never holds a stat itself.
 */
public final class RecentLookups {
  /** How many names Envoy keeps once {@code /stats/recentlookups/enable} is posted. */
  public static final int CAPACITY = 100;

  private final LongAdder total = new LongAdder();
  private volatile boolean enabled;
  private final Map<String, Long> recent = new LinkedHashMap<>(16, 0.75f, true);

  void lookedUp(String name) {
    total.increment();
    if (!enabled) {
      return;
    }
    synchronized (recent) {
      recent.merge(name, 1L, Long::sum);
      if (recent.size() > CAPACITY) {
        recent.remove(recent.keySet().iterator().next());
      }
    }
  }

  /** Starts keeping names. */
  public void enable() {
    enabled = true;
  }

  /** Stops keeping names and forgets the kept ones; the total goes on counting. */
  public void disable() {
    enabled = false;
    synchronized (recent) {
      recent.clear();
    }
  }

  /** Forgets the kept names and sets the total back to 0. */
  public void clear() {
    synchronized (recent) {
      recent.clear();
    }
    total.reset();
  }

  public boolean enabled() {
    return enabled;
  }

  /** Every lookup since start or the last {@link #clear}, tracked or not. */
  public long total() {
    return total.sum();
  }

  /** The kept names with how often each was looked up, by name. */
  public SortedMap<String, Long> recent() {
    synchronized (recent) {
      return new TreeMap<>(recent);
    }
  }
}
