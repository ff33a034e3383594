package io.attache.dataplane.logging;

import io.attache.dataplane.time.Ticker;
import java.time.Duration;
import org.slf4j.Logger;

/**
 * A warning that a peer can cause over and over (a bad connection, a NACKed update), logged at most
 * {@code burst} times per {@code interval}; the next line that gets through says how many were left
 * out. Counters carry the exact numbers; this only keeps a flood of bad input from becoming a flood
 * of log. Thread-safe; never blocks beyond its own short lock.
 */
public final class RateLimitedLog {
  /** What a call did: logged, or left out (counted, to be reported with the next logged line). */
  public enum Outcome {
    LOGGED,
    SUPPRESSED
  }

  private final Logger log;
  private final long intervalNanos;
  private final int burst;
  private final Ticker ticker;

  private long windowStart;
  private boolean started;
  private int loggedInWindow;
  private long suppressed;

  public RateLimitedLog(Logger log, Duration interval, int burst, Ticker ticker) {
    if (burst < 1 || interval.isNegative() || interval.isZero()) {
      throw new IllegalArgumentException("burst must be >= 1 and interval > 0");
    }
    this.log = log;
    this.intervalNanos = interval.toNanos();
    this.burst = burst;
    this.ticker = ticker;
  }

  /** Ten lines per minute: enough to see what is happening, too few to fill a disk. */
  public static RateLimitedLog perMinute(Logger log, Ticker ticker) {
    return new RateLimitedLog(log, Duration.ofMinutes(1), 10, ticker);
  }

  /** Logs at WARN, formatted as SLF4J does, unless this window's lines are used up. */
  public Outcome warn(String format, Object... args) {
    long leftOut;
    synchronized (this) {
      long now = ticker.nanoTime();
      if (!started || now - windowStart >= intervalNanos) {
        started = true;
        windowStart = now;
        loggedInWindow = 0;
      }
      if (loggedInWindow >= burst) {
        suppressed++;
        return Outcome.SUPPRESSED;
      }
      loggedInWindow++;
      leftOut = suppressed;
      suppressed = 0;
    }
    if (!log.isWarnEnabled()) {
      return Outcome.LOGGED;
    }
    if (leftOut == 0) {
      log.warn(format, args);
    } else {
      Object[] withCount = new Object[args.length + 1];
      System.arraycopy(args, 0, withCount, 0, args.length);
      withCount[args.length] = leftOut;
      log.warn(format + " ({} similar lines left out before this one)", withCount);
    }
    return Outcome.LOGGED;
  }

  /** Lines left out since the last one logged. */
  public synchronized long suppressed() {
    return suppressed;
  }
}
