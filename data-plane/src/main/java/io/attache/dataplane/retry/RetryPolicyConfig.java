package io.attache.dataplane.retry;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * A route's {@code config.route.v3.RetryPolicy}, parsed and validated once with Envoy's defaults
 * filled in. Immutable and shared by every request on the route; {@link RetryState} holds the
 * per-request part.
 *
 * @param retryOn the {@code retry_on} conditions
 * @param numRetries {@code num_retries}; 1 when unset
 * @param perTryTimeout {@code per_try_timeout}; empty when unset or zero (Envoy: disabled)
 * @param perTryIdleTimeout {@code per_try_idle_timeout}; empty when unset or zero
 * @param backOff {@code retry_back_off} in whole milliseconds, as Envoy keeps it
 * @param rateLimitedBackOff {@code rate_limited_retry_back_off}; {@link RateLimitedBackOff#NONE}
 *     when unset
 * @param retriableStatusCodes {@code retriable_status_codes}
 * @param retriableHeaders {@code retriable_headers} (response headers)
 * @param retriableRequestHeaders {@code retriable_request_headers}: when not empty, a request
 *     matching none of them is never retried
 * @param avoidPreviousHosts {@code retry_host_predicate} has {@code previous_hosts}
 * @param hostSelectionRetryMaxAttempts {@code host_selection_retry_max_attempts}; 1 when unset
 */
public record RetryPolicyConfig(
    Set<RetryOn> retryOn,
    long numRetries,
    Optional<Duration> perTryTimeout,
    Optional<Duration> perTryIdleTimeout,
    BackOff backOff,
    RateLimitedBackOff rateLimitedBackOff,
    StatusCodes retriableStatusCodes,
    List<HeaderMatch> retriableHeaders,
    List<HeaderMatch> retriableRequestHeaders,
    boolean avoidPreviousHosts,
    int hostSelectionRetryMaxAttempts) {

  /** Envoy's {@code upstream.base_retry_backoff_ms} default. */
  public static final long DEFAULT_BASE_INTERVAL_MS = 25;

  /** Envoy's default cap for a {@code Retry-After}-style wait. */
  public static final long DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS = 300_000;

  static final String PREVIOUS_HOSTS_NAME = "envoy.retry_host_predicates.previous_hosts";
  static final String PREVIOUS_HOSTS_TYPE =
      "envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate";

  /**
   * What Envoy uses when a route has no retry policy (its {@code DefaultRetryPolicy}): nothing to
   * retry on, one retry, default back-off. Only {@code x-envoy-retry-on} headers on internal
   * requests can make it retry.
   */
  public static final RetryPolicyConfig NONE =
      new RetryPolicyConfig(
          Set.of(),
          1,
          Optional.empty(),
          Optional.empty(),
          BackOff.DEFAULT,
          RateLimitedBackOff.NONE,
          StatusCodes.NONE,
          List.of(),
          List.of(),
          false,
          1);

  public RetryPolicyConfig {
    retryOn = Set.copyOf(retryOn);
    Objects.requireNonNull(perTryTimeout);
    Objects.requireNonNull(perTryIdleTimeout);
    Objects.requireNonNull(backOff);
    Objects.requireNonNull(rateLimitedBackOff);
    Objects.requireNonNull(retriableStatusCodes);
    retriableHeaders = List.copyOf(retriableHeaders);
    retriableRequestHeaders = List.copyOf(retriableRequestHeaders);
    if (numRetries < 0) {
      throw new IllegalArgumentException("numRetries must be >= 0");
    }
    if (hostSelectionRetryMaxAttempts < 0) {
      throw new IllegalArgumentException("hostSelectionRetryMaxAttempts must be >= 0");
    }
  }

  /**
   * {@code retry_back_off}: fully jittered exponential back-off between {@code base} and {@code
   * max}, both at least 1 ms.
   */
  public record BackOff(long baseMillis, long maxMillis) {
    public static final BackOff DEFAULT =
        new BackOff(DEFAULT_BASE_INTERVAL_MS, 10 * DEFAULT_BASE_INTERVAL_MS);

    public BackOff {
      if (baseMillis < 1 || maxMillis < baseMillis) {
        throw new IllegalArgumentException(
            "need 1 <= base <= max: " + baseMillis + ", " + maxMillis);
      }
    }
  }

  /** {@code rate_limited_retry_back_off}: reset headers tried in order, and the longest wait. */
  public record RateLimitedBackOff(List<ResetHeader> resetHeaders, long maxIntervalMillis) {
    public static final RateLimitedBackOff NONE =
        new RateLimitedBackOff(List.of(), DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS);

    public RateLimitedBackOff {
      resetHeaders = List.copyOf(resetHeaders);
    }

    public boolean configured() {
      return !resetHeaders.isEmpty();
    }
  }

  /** A small immutable set of status codes, matched without boxing. */
  public static final class StatusCodes {
    public static final StatusCodes NONE = new StatusCodes(new int[0]);

    private final int[] codes;

    private StatusCodes(int[] codes) {
      this.codes = codes;
    }

    public static StatusCodes of(int... codes) {
      return codes.length == 0 ? NONE : new StatusCodes(codes.clone());
    }

    public boolean contains(int status) {
      for (int code : codes) {
        if (code == status) {
          return true;
        }
      }
      return false;
    }

    /** This set plus {@code more} (for {@code x-envoy-retriable-status-codes}). */
    StatusCodes plus(int[] more, int count) {
      if (count == 0) {
        return this;
      }
      int[] merged = Arrays.copyOf(codes, codes.length + count);
      System.arraycopy(more, 0, merged, codes.length, count);
      return new StatusCodes(merged);
    }

    public List<Integer> asList() {
      return Arrays.stream(codes).boxed().toList();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof StatusCodes other && Arrays.equals(codes, other.codes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(codes);
    }

    @Override
    public String toString() {
      return Arrays.toString(codes);
    }
  }

  /** True when some condition is configured; a policy without one never retries on its own. */
  public boolean retriesOnSomething() {
    return !retryOn.isEmpty();
  }

  /**
   * Parses {@code proto} found at {@code fieldPath} (e.g. {@code
   * virtual_hosts[0].routes[2].route.retry_policy}). Stricter than Envoy in one place: an unknown
   * {@code retry_on} token is an error here, where Envoy silently drops it, so a typo cannot turn
   * retries off unnoticed.
   */
  public static RetryPolicyConfig from(RetryPolicy proto, String fieldPath) throws ConfigException {
    Set<RetryOn> retryOn = parseRetryOn(proto.getRetryOn(), fieldPath + ".retry_on");
    long numRetries =
        proto.hasNumRetries() ? Integer.toUnsignedLong(proto.getNumRetries().getValue()) : 1;
    Optional<Duration> perTry =
        positive(
            proto.hasPerTryTimeout(), proto.getPerTryTimeout(), fieldPath + ".per_try_timeout");
    Optional<Duration> perTryIdle =
        positive(
            proto.hasPerTryIdleTimeout(),
            proto.getPerTryIdleTimeout(),
            fieldPath + ".per_try_idle_timeout");
    BackOff backOff =
        proto.hasRetryBackOff()
            ? backOff(proto.getRetryBackOff(), fieldPath + ".retry_back_off")
            : BackOff.DEFAULT;
    RateLimitedBackOff rateLimited =
        proto.hasRateLimitedRetryBackOff()
            ? rateLimited(
                proto.getRateLimitedRetryBackOff(), fieldPath + ".rate_limited_retry_back_off")
            : RateLimitedBackOff.NONE;
    int[] codes = new int[proto.getRetriableStatusCodesCount()];
    for (int i = 0; i < codes.length; i++) {
      codes[i] = proto.getRetriableStatusCodes(i);
    }
    List<HeaderMatch> retriableHeaders =
        HeaderMatch.compileAll(proto.getRetriableHeadersList(), fieldPath + ".retriable_headers");
    List<HeaderMatch> retriableRequestHeaders =
        HeaderMatch.compileAll(
            proto.getRetriableRequestHeadersList(), fieldPath + ".retriable_request_headers");
    boolean previousHosts = false;
    for (int i = 0; i < proto.getRetryHostPredicateCount(); i++) {
      RetryPolicy.RetryHostPredicate predicate = proto.getRetryHostPredicate(i);
      String path = fieldPath + ".retry_host_predicate[" + i + "]";
      if (!isPreviousHosts(predicate)) {
        throw new ConfigException(
            path, "only envoy.retry_host_predicates.previous_hosts is supported");
      }
      previousHosts = true;
    }
    if (proto.hasRetryPriority()) {
      throw new ConfigException(
          fieldPath + ".retry_priority", "retry priority extensions are not supported");
    }
    if (proto.getRetryOptionsPredicatesCount() > 0) {
      throw new ConfigException(
          fieldPath + ".retry_options_predicates", "retry options predicates are not supported");
    }
    long attempts = proto.getHostSelectionRetryMaxAttempts();
    if (attempts < 0) {
      throw new ConfigException(
          fieldPath + ".host_selection_retry_max_attempts", "must not be negative");
    }
    return new RetryPolicyConfig(
        retryOn,
        numRetries,
        perTry,
        perTryIdle,
        backOff,
        rateLimited,
        StatusCodes.of(codes),
        retriableHeaders,
        retriableRequestHeaders,
        previousHosts,
        // Envoy keeps the default of 1 when the field is 0 (unset).
        attempts == 0 ? 1 : (int) Math.min(attempts, Integer.MAX_VALUE));
  }

  private static boolean isPreviousHosts(RetryPolicy.RetryHostPredicate predicate) {
    if (predicate.hasTypedConfig()) {
      String typeUrl = predicate.getTypedConfig().getTypeUrl();
      return typeUrl.substring(typeUrl.lastIndexOf('/') + 1).equals(PREVIOUS_HOSTS_TYPE);
    }
    return predicate.getName().equals(PREVIOUS_HOSTS_NAME);
  }

  /** The config's comma list: both HTTP and gRPC tokens, trimmed, empty entries skipped. */
  static Set<RetryOn> parseRetryOn(String value, String fieldPath) throws ConfigException {
    EnumSet<RetryOn> out = EnumSet.noneOf(RetryOn.class);
    List<String> unknown = new ArrayList<>();
    for (String part : value.split(",", -1)) {
      String token = part.trim();
      if (token.isEmpty()) {
        continue;
      }
      RetryOn on = RetryOn.forToken(token);
      if (on == null) {
        unknown.add(token);
      } else {
        out.add(on);
      }
    }
    if (!unknown.isEmpty()) {
      throw new ConfigException(fieldPath, "unknown retry_on condition(s) " + unknown);
    }
    return out;
  }

  private static BackOff backOff(RetryPolicy.RetryBackOff proto, String path)
      throws ConfigException {
    if (!proto.hasBaseInterval()) {
      throw new ConfigException(path + ".base_interval", "base_interval is required");
    }
    long base = positiveMillis(proto.getBaseInterval(), path + ".base_interval");
    long max = 10 * base;
    if (proto.hasMaxInterval()) {
      max = positiveMillis(proto.getMaxInterval(), path + ".max_interval");
      if (max < base) {
        throw new ConfigException(
            path + ".max_interval", "max_interval must be greater than or equal to base_interval");
      }
    }
    return new BackOff(base, max);
  }

  private static RateLimitedBackOff rateLimited(
      RetryPolicy.RateLimitedRetryBackOff proto, String path) throws ConfigException {
    if (proto.getResetHeadersCount() == 0) {
      throw new ConfigException(path + ".reset_headers", "at least one reset header is required");
    }
    List<ResetHeader> headers = new ArrayList<>();
    for (int i = 0; i < proto.getResetHeadersCount(); i++) {
      RetryPolicy.ResetHeader h = proto.getResetHeaders(i);
      String headerPath = path + ".reset_headers[" + i + "]";
      if (h.getName().isEmpty()) {
        throw new ConfigException(headerPath + ".name", "must not be empty");
      }
      ResetHeader.Format format =
          switch (h.getFormat()) {
            case SECONDS -> ResetHeader.Format.SECONDS;
            case UNIX_TIMESTAMP -> ResetHeader.Format.UNIX_TIMESTAMP;
            default -> throw new ConfigException(headerPath + ".format", "unknown format");
          };
      headers.add(new ResetHeader(h.getName().toLowerCase(java.util.Locale.ROOT), format));
    }
    long max =
        proto.hasMaxInterval()
            ? positiveMillis(proto.getMaxInterval(), path + ".max_interval")
            : DEFAULT_RATE_LIMITED_MAX_INTERVAL_MS;
    return new RateLimitedBackOff(headers, max);
  }

  /**
   * A duration that must be greater than zero, in whole milliseconds as Envoy reads it; anything
   * below one millisecond is rounded up to 1 ms, as Envoy does.
   */
  private static long positiveMillis(com.google.protobuf.Duration d, String path)
      throws ConfigException {
    if (d.getSeconds() < 0 || d.getNanos() < 0 || (d.getSeconds() == 0 && d.getNanos() == 0)) {
      throw new ConfigException(path, "must be greater than 0");
    }
    long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    return Math.max(1, millis);
  }

  private static Optional<Duration> positive(
      boolean present, com.google.protobuf.Duration d, String path) throws ConfigException {
    if (!present) {
      return Optional.empty();
    }
    if (d.getSeconds() < 0 || d.getNanos() < 0) {
      throw new ConfigException(path, "must not be negative");
    }
    // Envoy reads these in whole milliseconds; 0 means "no per-try timeout".
    long millis = d.getSeconds() * 1000 + d.getNanos() / 1_000_000;
    return millis == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(millis));
  }
}
