package io.attache.dataplane.filter.localratelimit;

/**
 * One {@code type.v3.TokenBucket} as Envoy 1.40's local rate limiter runs it (its timer-less {@code
 * AtomicTokenBucket}): full at the start, refilled continuously at {@code tokens_per_fill /
 * fill_interval} tokens per second up to {@code max_tokens}, one whole token taken per allowed
 * request. Time comes from the injected ticker, so no timer runs per bucket. Shared by every event
 * loop; each call is a short critical section and never blocks on I/O.
 */
final class TokenBucket {
  private final long maxTokens;
  private final double tokensPerNano;
  private double tokens;
  private long lastNanos;

  /**
   * @param fillIntervalNanos zero for a bucket that is never refilled (a filter without {@code
   *     token_bucket})
   * @param startNanos the injected ticker's time at which the bucket was created, full
   */
  TokenBucket(long maxTokens, long tokensPerFill, long fillIntervalNanos, long startNanos) {
    this.maxTokens = maxTokens;
    this.tokensPerNano = fillIntervalNanos == 0 ? 0 : (double) tokensPerFill / fillIntervalNanos;
    this.tokens = maxTokens;
    this.lastNanos = startNanos;
  }

  /** Takes one token if there is a whole one. */
  synchronized boolean tryConsume(long nowNanos) {
    refill(nowNanos);
    if (tokens < 1) {
      return false;
    }
    tokens -= 1;
    return true;
  }

  long maxTokens() {
    return maxTokens;
  }

  /** Tokens per second, by which Envoy orders descriptor buckets (strictest first). */
  double fillRate() {
    return tokensPerNano * 1e9;
  }

  /** Whole tokens left ({@code x-ratelimit-remaining}). */
  synchronized long remainingTokens(long nowNanos) {
    refill(nowNanos);
    return (long) Math.floor(tokens);
  }

  /**
   * {@code x-ratelimit-reset}: 0 while a whole token is left, else the seconds (rounded up) until
   * the next one.
   */
  synchronized long resetSeconds(long nowNanos) {
    refill(nowNanos);
    if (tokens >= 1 || tokensPerNano == 0) {
      return 0;
    }
    return (long) Math.ceil((1 - tokens) / tokensPerNano / 1e9);
  }

  private void refill(long nowNanos) {
    if (nowNanos > lastNanos) {
      tokens = Math.min(maxTokens, tokens + (nowNanos - lastNanos) * tokensPerNano);
      lastNanos = nowNanos;
    }
  }
}
