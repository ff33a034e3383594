package io.attache.dataplane.filter.localratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.ratelimit.DescriptorEntry;
import io.attache.dataplane.ratelimit.RateLimitActions;
import io.attache.dataplane.ratelimit.RateLimitPolicyEntry;
import io.attache.dataplane.router.HeaderMutations;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.VhRateLimitsOptions;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.XRateLimitHeadersRFCVersion;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One {@code envoy.filters.http.local_ratelimit} config ({@code LocalRateLimit}), parsed and
 * validated once with Envoy's rules — the filter's own config or a route's {@code
 * typed_per_filter_config}. Immutable; the token buckets live in {@link LocalRateLimiter}.
 *
 * @param tokenBucket the default bucket; {@link BucketSpec#NONE} when unset (allowed only on the
 *     filter itself: every request is then limited, if the filter is enabled)
 * @param rateLimits the filter's own {@code rate_limits}; when empty, the route's and virtual
 *     host's {@code rate_limits} of {@code stage} make the request's descriptors
 * @param stage which of the route's {@code rate_limits} apply (their {@code stage})
 * @param virtualHostRateLimits {@code vh_rate_limits}: read from the route's own config only, as
 *     Envoy does
 */
public record LocalRateLimitConfig(
    String statPrefix,
    int status,
    BucketSpec tokenBucket,
    FilterFraction filterEnabled,
    FilterFraction filterEnforced,
    HeaderMutations requestHeadersToAddWhenNotEnforced,
    HeaderMutations responseHeadersToAdd,
    List<DescriptorLimit> descriptors,
    List<RateLimitPolicyEntry> rateLimits,
    int stage,
    VhRateLimitsOptions virtualHostRateLimits,
    boolean enableXRateLimitHeaders,
    boolean alwaysConsumeDefaultTokenBucket,
    boolean rateLimitedAsResourceExhausted) {

  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit";
  public static final String FILTER_NAME = "envoy.filters.http.local_ratelimit";

  private static final long MIN_FILL_INTERVAL_NANOS = 50_000_000L;

  /** One {@code type.v3.TokenBucket}; fill interval in whole milliseconds, as Envoy reads it. */
  public record BucketSpec(long maxTokens, long tokensPerFill, long fillIntervalNanos) {
    static final BucketSpec NONE = new BucketSpec(0, 1, 0);

    TokenBucket newBucket(long nowNanos) {
      return new TokenBucket(maxTokens, tokensPerFill, fillIntervalNanos, nowNanos);
    }
  }

  /** One configured {@code descriptors} entry: the descriptor it matches and its own bucket. */
  record DescriptorLimit(List<DescriptorEntry> entries, BucketSpec tokenBucket) {}

  /** Unpacks an {@code HttpFilter.typed_config} or per-route value; errors name {@code path}. */
  public static LocalRateLimitConfig from(Any typedConfig, String path, boolean perRoute)
      throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(path, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(typedConfig.unpack(LocalRateLimit.class), path, perRoute);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a LocalRateLimit: " + e.getMessage());
    }
  }

  public static LocalRateLimitConfig from(LocalRateLimit proto, String path, boolean perRoute)
      throws ConfigException {
    if (proto.getStatPrefix().isEmpty()) {
      throw new ConfigException(path + ".stat_prefix", "stat_prefix is required");
    }
    if (perRoute && !proto.hasTokenBucket()) {
      throw new ConfigException(
          path + ".token_bucket", "a per-route local rate limit config needs a token_bucket");
    }
    if (proto.getLocalRateLimitPerDownstreamConnection()) {
      throw new ConfigException(
          path + ".local_rate_limit_per_downstream_connection",
          "per-connection local rate limits are not supported");
    }
    if (proto.hasLocalClusterRateLimit()) {
      throw new ConfigException(
          path + ".local_cluster_rate_limit",
          "sharing a limit across the local cluster is not supported");
    }
    if (proto.getRequestHeadersToAddWhenNotEnforcedCount() > 10) {
      throw new ConfigException(
          path + ".request_headers_to_add_when_not_enforced", "at most 10 headers");
    }
    if (proto.getResponseHeadersToAddCount() > 10) {
      throw new ConfigException(path + ".response_headers_to_add", "at most 10 headers");
    }
    if (proto.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.UNRECOGNIZED) {
      throw new ConfigException(path + ".enable_x_ratelimit_headers", "unknown version");
    }
    BucketSpec bucket =
        proto.hasTokenBucket()
            ? bucket(proto.getTokenBucket(), path + ".token_bucket")
            : BucketSpec.NONE;
    List<DescriptorLimit> descriptors = descriptors(proto, bucket, path);
    List<RateLimitPolicyEntry> rateLimits =
        RateLimitActions.compileAll(proto.getRateLimitsList(), path + ".rate_limits", false);
    if (proto.getStage() > 10) {
      throw new ConfigException(path + ".stage", "stage must be between 0 and 10");
    }
    if (proto.getVhRateLimits() == VhRateLimitsOptions.UNRECOGNIZED) {
      throw new ConfigException(path + ".vh_rate_limits", "unknown option");
    }
    int status = proto.getStatus().getCodeValue();
    return new LocalRateLimitConfig(
        proto.getStatPrefix(),
        status >= 400 ? status : 429,
        bucket,
        FilterFraction.from(
            proto.hasFilterEnabled(), proto.getFilterEnabled(), path + ".filter_enabled"),
        FilterFraction.from(
            proto.hasFilterEnforced(), proto.getFilterEnforced(), path + ".filter_enforced"),
        HeaderMutations.compile(
            proto.getRequestHeadersToAddWhenNotEnforcedList(),
            path + ".request_headers_to_add_when_not_enforced"),
        HeaderMutations.compile(
            proto.getResponseHeadersToAddList(), path + ".response_headers_to_add"),
        descriptors,
        rateLimits,
        proto.getStage(),
        proto.getVhRateLimits(),
        proto.getEnableXRatelimitHeaders() == XRateLimitHeadersRFCVersion.DRAFT_VERSION_03,
        !proto.hasAlwaysConsumeDefaultTokenBucket()
            || proto.getAlwaysConsumeDefaultTokenBucket().getValue(),
        proto.getRateLimitedAsResourceExhausted());
  }

  private static BucketSpec bucket(io.envoyproxy.envoy.type.v3.TokenBucket proto, String path)
      throws ConfigException {
    if (proto.getMaxTokens() == 0) {
      throw new ConfigException(path + ".max_tokens", "max_tokens must be greater than 0");
    }
    if (proto.hasTokensPerFill() && proto.getTokensPerFill().getValue() == 0) {
      throw new ConfigException(
          path + ".tokens_per_fill", "tokens_per_fill must be greater than 0");
    }
    if (!proto.hasFillInterval()) {
      throw new ConfigException(path + ".fill_interval", "fill_interval is required");
    }
    long millis =
        proto.getFillInterval().getSeconds() * 1000
            + proto.getFillInterval().getNanos() / 1_000_000;
    if (millis * 1_000_000L < MIN_FILL_INTERVAL_NANOS) {
      throw new ConfigException(
          path + ".fill_interval", "the token bucket's fill interval must be at least 50ms");
    }
    return new BucketSpec(
        Integer.toUnsignedLong(proto.getMaxTokens()),
        proto.hasTokensPerFill() ? Integer.toUnsignedLong(proto.getTokensPerFill().getValue()) : 1,
        millis * 1_000_000L);
  }

  private static List<DescriptorLimit> descriptors(
      LocalRateLimit proto, BucketSpec defaultBucket, String path) throws ConfigException {
    List<DescriptorLimit> limits = new ArrayList<>();
    Set<List<DescriptorEntry>> seen = new HashSet<>();
    for (int i = 0; i < proto.getDescriptorsCount(); i++) {
      LocalRateLimitDescriptor d = proto.getDescriptors(i);
      String dp = path + ".descriptors[" + i + "]";
      if (d.getEntriesCount() == 0) {
        throw new ConfigException(dp + ".entries", "a descriptor needs at least one entry");
      }
      List<DescriptorEntry> entries = new ArrayList<>();
      for (int j = 0; j < d.getEntriesCount(); j++) {
        RateLimitDescriptor.Entry e = d.getEntries(j);
        String ep = dp + ".entries[" + j + "]";
        if (e.getKey().isEmpty()) {
          throw new ConfigException(ep + ".key", "key is required");
        }
        if (e.getValue().isEmpty()) {
          throw new ConfigException(
              ep + ".value", "an entry without a value (a dynamic descriptor) is not supported");
        }
        entries.add(new DescriptorEntry(e.getKey(), e.getValue()));
      }
      if (!d.hasTokenBucket()) {
        throw new ConfigException(dp + ".token_bucket", "token_bucket is required");
      }
      BucketSpec bucket = bucket(d.getTokenBucket(), dp + ".token_bucket");
      if (defaultBucket.fillIntervalNanos() > 0
          && bucket.fillIntervalNanos() % defaultBucket.fillIntervalNanos() != 0) {
        throw new ConfigException(
            dp + ".token_bucket.fill_interval",
            "a descriptor's fill interval must be a multiple of the token bucket's");
      }
      if (!seen.add(entries)) {
        throw new ConfigException(dp, "duplicate descriptor " + entries);
      }
      limits.add(new DescriptorLimit(List.copyOf(entries), bucket));
    }
    return List.copyOf(limits);
  }
}
