package io.attache.dataplane.filter.localratelimit;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.router.HeaderMutations;
import io.envoyproxy.envoy.config.route.v3.RateLimit;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.LocalRateLimitDescriptor;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.RateLimitDescriptor;
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
 * @param rateLimits the {@code rate_limits} that make the request's descriptors, each a list of
 *     actions
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
    List<List<DescriptorAction>> rateLimits,
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
    List<List<DescriptorAction>> rateLimits = new ArrayList<>();
    for (int i = 0; i < proto.getRateLimitsCount(); i++) {
      rateLimits.add(actions(proto.getRateLimits(i), path + ".rate_limits[" + i + "]"));
    }
    if (!descriptors.isEmpty() && rateLimits.isEmpty()) {
      throw new ConfigException(
          path + ".descriptors",
          "descriptors need this filter's own rate_limits; descriptors from a route's or virtual"
              + " host's rate_limits are not supported");
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
        List.copyOf(rateLimits),
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

  private static List<DescriptorAction> actions(RateLimit proto, String path)
      throws ConfigException {
    if (proto.hasLimit()) {
      throw new ConfigException(path + ".limit", "dynamic limit overrides are not supported");
    }
    if (proto.hasHitsAddend()) {
      throw new ConfigException(path + ".hits_addend", "hits_addend is not supported");
    }
    if (proto.getApplyOnStreamDone()) {
      throw new ConfigException(path + ".apply_on_stream_done", "not supported");
    }
    if (!proto.getDisableKey().isEmpty()) {
      throw new ConfigException(path + ".disable_key", "runtime disable keys are not supported");
    }
    if (proto.getActionsCount() == 0) {
      throw new ConfigException(path + ".actions", "a rate limit needs at least one action");
    }
    List<DescriptorAction> actions = new ArrayList<>();
    for (int i = 0; i < proto.getActionsCount(); i++) {
      actions.add(action(proto.getActions(i), path + ".actions[" + i + "]"));
    }
    return List.copyOf(actions);
  }

  private static DescriptorAction action(RateLimit.Action a, String path) throws ConfigException {
    return switch (a.getActionSpecifierCase()) {
      case GENERIC_KEY -> {
        if (a.getGenericKey().getDescriptorValue().isEmpty()) {
          throw new ConfigException(path + ".generic_key.descriptor_value", "required");
        }
        yield new DescriptorAction.GenericKey(
            a.getGenericKey().getDescriptorKey().isEmpty()
                ? "generic_key"
                : a.getGenericKey().getDescriptorKey(),
            a.getGenericKey().getDescriptorValue());
      }
      case REQUEST_HEADERS -> {
        RateLimit.Action.RequestHeaders h = a.getRequestHeaders();
        if (h.getHeaderName().isEmpty() || h.getDescriptorKey().isEmpty()) {
          throw new ConfigException(
              path + ".request_headers", "header_name and descriptor_key are required");
        }
        yield new DescriptorAction.RequestHeaders(
            h.getHeaderName().toLowerCase(java.util.Locale.ROOT),
            h.getDescriptorKey(),
            h.getSkipIfAbsent());
      }
      case QUERY_PARAMETERS -> {
        RateLimit.Action.QueryParameters q = a.getQueryParameters();
        if (q.getQueryParameterName().isEmpty() || q.getDescriptorKey().isEmpty()) {
          throw new ConfigException(
              path + ".query_parameters", "query_parameter_name and descriptor_key are required");
        }
        yield new DescriptorAction.QueryParameters(
            q.getQueryParameterName(), q.getDescriptorKey(), q.getSkipIfAbsent());
      }
      case REMOTE_ADDRESS -> new DescriptorAction.RemoteAddress();
      case MASKED_REMOTE_ADDRESS -> {
        RateLimit.Action.MaskedRemoteAddress m = a.getMaskedRemoteAddress();
        int v4 = m.hasV4PrefixMaskLen() ? m.getV4PrefixMaskLen().getValue() : 32;
        int v6 = m.hasV6PrefixMaskLen() ? m.getV6PrefixMaskLen().getValue() : 128;
        if (v4 > 32 || v6 > 128) {
          throw new ConfigException(path + ".masked_remote_address", "prefix length out of range");
        }
        yield new DescriptorAction.MaskedRemoteAddress(v4, v6);
      }
      case DESTINATION_CLUSTER -> new DescriptorAction.DestinationCluster();
      case HEADER_VALUE_MATCH -> {
        RateLimit.Action.HeaderValueMatch m = a.getHeaderValueMatch();
        if (m.getDescriptorValue().isEmpty()) {
          throw new ConfigException(path + ".header_value_match.descriptor_value", "required");
        }
        if (m.getHeadersCount() == 0) {
          throw new ConfigException(
              path + ".header_value_match.headers", "at least one header matcher is required");
        }
        yield new DescriptorAction.HeaderValueMatch(
            m.getDescriptorKey().isEmpty() ? "header_match" : m.getDescriptorKey(),
            m.getDescriptorValue(),
            !m.hasExpectMatch() || m.getExpectMatch().getValue(),
            HeaderMatch.compileAll(m.getHeadersList(), path + ".header_value_match.headers"));
      }
      case ACTIONSPECIFIER_NOT_SET ->
          throw new ConfigException(path, "a rate limit action must be set");
      default ->
          throw new ConfigException(
              path,
              "rate limit action "
                  + a.getActionSpecifierCase().name().toLowerCase(java.util.Locale.ROOT)
                  + " is not supported");
    };
  }
}
