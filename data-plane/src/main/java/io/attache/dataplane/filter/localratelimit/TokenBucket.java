package io.attache.dataplane.filter.localratelimit;

/**
 * One {@code type.v3.TokenBucket} as Envoy's local rate limiter runs it: full at the start, {@code
 * tokens_per_fill} added (capped at {@code max_tokens}) at every whole {@code fill_interval} since
 * the start, one token taken per allowed request. Envoy fills on a timer; here the fills a timer
 * would have made are counted from the injected clock when the bucket is read, which gives the same
 * numbers without a timer per bucket. Shared by every event loop; each call is a short critical
 * section and never blocks on I/O.
 */
final class TokenBucket {
  private final long maxTokens;
  private final long tokensPerFill;
  private final long fillIntervalNanos;
  private final long startNanos;
  private long tokens;
  private long fillsApplied;

  /**
   * @param fillIntervalNanos zero for a bucket that is never refilled (a filter without {@code
   *     token_bucket})
   * @param startNanos the injected ticker's time at which the bucket was created, full
   */
  TokenBucket(long maxTokens, long tokensPerFill, long fillIntervalNanos, long startNanos) {
    this.maxTokens = maxTokens;
    this.tokensPerFill = tokensPerFill;
    this.fillIntervalNanos = fillIntervalNanos;
    this.startNanos = startNanos;
    this.tokens = maxTokens;
  }

  /** Takes one token if there is one. */
  synchronized boolean tryConsume(long nowNanos) {
    refill(nowNanos);
    if (tokens == 0) {
      return false;
    }
    tokens--;
    return true;
  }

  long maxTokens() {
    return maxTokens;
  }

  /** Tokens per second, by which Envoy orders descriptor buckets (strictest first). */
  double fillRate() {
    return fillIntervalNanos == 0 ? 0 : tokensPerFill * 1e9 / fillIntervalNanos;
  }

  synchronized long remainingTokens(long nowNanos) {
    refill(nowNanos);
    return tokens;
  }

  /**
   * Envoy's {@code x-ratelimit-reset}: the fill interval minus the whole seconds elapsed since the
   * last fill, truncated to seconds.
   */
  synchronized long resetSeconds(long nowNanos) {
    if (fillIntervalNanos == 0) {
      return 0;
    }
    refill(nowNanos);
    long sinceLastFill = nowNanos - startNanos - fillsApplied * fillIntervalNanos;
    long wholeSecondsElapsed = sinceLastFill / 1_000_000_000L;
    return (fillIntervalNanos - wholeSecondsElapsed * 1_000_000_000L) / 1_000_000_000L;
  }

  private void refill(long nowNanos) {
    if (fillIntervalNanos == 0 || nowNanos <= startNanos) {
      return;
    }
    long fillsDue = (nowNanos - startNanos) / fillIntervalNanos;
    long newFills = fillsDue - fillsApplied;
    if (newFills <= 0) {
      return;
    }
    fillsApplied = fillsDue;
    // Saturate instead of multiplying: enough fills to top the bucket up from empty fill it.
    long fillsToFull = (maxTokens + tokensPerFill - 1) / tokensPerFill;
    tokens =
        newFills >= fillsToFull
            ? maxTokens
            : Math.min(maxTokens, tokens + newFills * tokensPerFill);
  }
}
