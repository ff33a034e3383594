package io.attache.dataplane.filter.localratelimit;

import io.attache.dataplane.ratelimit.DescriptorEntry;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The token buckets of one {@code LocalRateLimit} config (Envoy's {@code LocalRateLimiterImpl}):
 * the default bucket and one bucket per configured descriptor. A request whose descriptors match
 * configured ones takes a token from each matched bucket, strictest first, and stops at the first
 * empty one; it also takes one from the default bucket unless {@code
 * always_consume_default_token_bucket} is false and a descriptor matched. Shared by every stream
 * and event loop that uses the config; never blocks.
 */
final class LocalRateLimiter {
  /** The decision and the bucket whose numbers the {@code x-ratelimit-*} headers report. */
  record Result(boolean allowed, TokenBucket bucket) {}

  private final TokenBucket defaultBucket;
  private final Map<List<DescriptorEntry>, TokenBucket> descriptorBuckets;
  private final boolean alwaysConsumeDefaultBucket;

  LocalRateLimiter(LocalRateLimitConfig config, long nowNanos) {
    this.defaultBucket = config.tokenBucket().newBucket(nowNanos);
    Map<List<DescriptorEntry>, TokenBucket> buckets = new java.util.HashMap<>();
    for (LocalRateLimitConfig.DescriptorLimit limit : config.descriptors()) {
      buckets.put(limit.entries(), limit.tokenBucket().newBucket(nowNanos));
    }
    this.descriptorBuckets = Map.copyOf(buckets);
    this.alwaysConsumeDefaultBucket = config.alwaysConsumeDefaultTokenBucket();
  }

  Result requestAllowed(List<List<DescriptorEntry>> requestDescriptors, long nowNanos) {
    List<TokenBucket> matched = new ArrayList<>(requestDescriptors.size());
    for (List<DescriptorEntry> descriptor : requestDescriptors) {
      TokenBucket bucket = descriptorBuckets.get(descriptor);
      if (bucket != null && !matched.contains(bucket)) {
        matched.add(bucket);
      }
    }
    if (matched.isEmpty()) {
      return new Result(defaultBucket.tryConsume(nowNanos), defaultBucket);
    }
    matched.sort(Comparator.comparingDouble(TokenBucket::fillRate));
    for (TokenBucket bucket : matched) {
      if (!bucket.tryConsume(nowNanos)) {
        return new Result(false, bucket);
      }
    }
    if (alwaysConsumeDefaultBucket && !defaultBucket.tryConsume(nowNanos)) {
      return new Result(false, defaultBucket);
    }
    return new Result(true, matched.get(0));
  }
}
