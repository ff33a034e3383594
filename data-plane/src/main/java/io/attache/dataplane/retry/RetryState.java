package io.attache.dataplane.retry;

import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.retry.RetryPolicyConfig.StatusCodes;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.lb.LbContext;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * The retry decisions for one request, as Envoy's {@code RetryStateImpl}: after each upstream
 * attempt the router reports its outcome and gets a {@link RetryStatus}; on {@link RetryStatus#YES}
 * it waits {@link #nextBackOff()} (scheduled on its event loop) and tries again. Whether the
 * request itself may be retried is decided once, when the state is created.
 *
 * <p>Lifecycle for the integrator: {@link #create} when the route is known; {@link
 * #onHostAttempted} for every host an attempt goes to; exactly one {@code shouldRetry*} call per
 * attempt outcome (including successful responses, which is how {@code upstream_rq_retry_success}
 * is counted); {@link #finish()} once when the request ends, however it ends. A {@link
 * RetryStatus#YES} holds one unit of the cluster's retry resource ({@code rq_retry_open}) until the
 * next {@code shouldRetry*} call or {@link #finish()}.
 *
 * <p>Lives on one event loop; not thread-safe; never blocks, never schedules anything itself.
 */
public final class RetryState {
  /** Whether the request body must be kept for a replay. */
  public enum BodyBuffering {
    /** Keep the body (up to the route's buffer limit) so a retry can resend it. */
    BUFFER_FOR_REPLAY,
    /** No retry can happen: stream the body without keeping it. */
    NOT_NEEDED
  }

  private static final AsciiString X_ENVOY_RETRY_ON = AsciiString.cached("x-envoy-retry-on");
  private static final AsciiString X_ENVOY_RETRY_GRPC_ON =
      AsciiString.cached("x-envoy-retry-grpc-on");
  private static final AsciiString X_ENVOY_MAX_RETRIES = AsciiString.cached("x-envoy-max-retries");
  private static final AsciiString X_ENVOY_RETRIABLE_STATUS_CODES =
      AsciiString.cached("x-envoy-retriable-status-codes");
  private static final AsciiString X_ENVOY_RETRIABLE_HEADER_NAMES =
      AsciiString.cached("x-envoy-retriable-header-names");
  private static final AsciiString X_ENVOY_RATELIMITED = AsciiString.cached("x-envoy-ratelimited");
  private static final AsciiString GRPC_STATUS = AsciiString.cached("grpc-status");

  /** Request headers Envoy's router consumes (never forwards), whether it honoured them or not. */
  private static final List<AsciiString> CONSUMED_REQUEST_HEADERS =
      List.of(
          X_ENVOY_RETRY_ON,
          X_ENVOY_RETRY_GRPC_ON,
          X_ENVOY_MAX_RETRIES,
          X_ENVOY_RETRIABLE_STATUS_CODES,
          X_ENVOY_RETRIABLE_HEADER_NAMES,
          AsciiString.cached("x-envoy-hedge-on-per-try-timeout"),
          AsciiString.cached("x-envoy-upstream-rq-per-try-timeout-ms"));

  private static final Predicate<Host> AVOID_NONE = host -> false;

  /** The state of a request that can never be retried; shared, because it never changes. */
  private static final RetryState NOT_RETRIABLE = new RetryState();

  private final RetryPolicyConfig policy;
  private final ClusterRetryContext cluster;
  private final int retryOn;
  private final StatusCodes retriableStatusCodes;
  private final List<HeaderMatch> retriableHeaders;
  private final JitteredExponentialBackOff backOff;
  private final List<Host> attemptedHosts;
  private final Predicate<Host> hostsToAvoid;
  private long retriesRemaining;
  private boolean holdingRetry;
  private boolean abandoned;
  private long backOffMillis = -1;

  private RetryState() {
    this.policy = RetryPolicyConfig.NONE;
    this.cluster = null;
    this.retryOn = 0;
    this.retriableStatusCodes = StatusCodes.NONE;
    this.retriableHeaders = List.of();
    this.backOff = null;
    this.attemptedHosts = List.of();
    this.hostsToAvoid = AVOID_NONE;
    this.retriesRemaining = 0;
    this.abandoned = true;
  }

  private RetryState(
      RetryPolicyConfig policy,
      ClusterRetryContext cluster,
      int retryOn,
      long retriesRemaining,
      StatusCodes retriableStatusCodes,
      List<HeaderMatch> retriableHeaders) {
    this.policy = policy;
    this.cluster = cluster;
    this.retryOn = retryOn;
    this.retriesRemaining = retriesRemaining;
    this.retriableStatusCodes = retriableStatusCodes;
    this.retriableHeaders = retriableHeaders;
    this.backOff =
        new JitteredExponentialBackOff(
            policy.backOff().baseMillis(), policy.backOff().maxMillis(), cluster.random());
    if (policy.avoidPreviousHosts()) {
      List<Host> attempted = new ArrayList<>(2);
      this.attemptedHosts = attempted;
      this.hostsToAvoid = attempted::contains;
    } else {
      this.attemptedHosts = List.of();
      this.hostsToAvoid = AVOID_NONE;
    }
  }

  /**
   * The retry state for one request, deciding once whether it may be retried at all: the policy's
   * {@code retry_on} plus the request's {@code x-envoy-retry-on} / {@code x-envoy-retry-grpc-on};
   * nothing if {@code retriable_request_headers} is set and none matches. {@code
   * x-envoy-max-retries}, {@code x-envoy-retriable-status-codes} and {@code
   * x-envoy-retriable-header-names} count too. As in Envoy's router, whatever reaches here is
   * honoured: the connection manager ({@code trust.RequestTrust}) has already stripped these
   * headers from every request that is not internal. A request that cannot be retried gets a shared
   * state that answers {@link RetryStatus#NO_NOT_RETRIABLE} and allocates nothing.
   *
   * @param policy the route's policy, or {@link RetryPolicyConfig#NONE} when it has none
   * @param request the downstream request (method, path, headers); read, never changed
   * @param scheme the request's {@code :scheme} for header matchers
   */
  public static RetryState create(
      RetryPolicyConfig policy, HttpRequest request, String scheme, ClusterRetryContext cluster) {
    HttpHeaders headers = request.headers();
    int retryOn = RetryOn.toBits(policy.retryOn());
    String http = headers.get(X_ENVOY_RETRY_ON);
    if (http != null) {
      retryOn |= RetryOn.parseHeader(http, RetryOn.Kind.HTTP);
    }
    String grpc = headers.get(X_ENVOY_RETRY_GRPC_ON);
    if (grpc != null) {
      retryOn |= RetryOn.parseHeader(grpc, RetryOn.Kind.GRPC);
    }
    if (retryOn == 0) {
      return NOT_RETRIABLE;
    }
    if (!policy.retriableRequestHeaders().isEmpty()
        && !HeaderMatch.anyMatch(
            policy.retriableRequestHeaders(), HeaderSource.ofRequest(request, scheme))) {
      return NOT_RETRIABLE;
    }
    long retries = policy.numRetries();
    StatusCodes codes = policy.retriableStatusCodes();
    List<HeaderMatch> retriableHeaders = policy.retriableHeaders();
    String max = headers.get(X_ENVOY_MAX_RETRIES);
    if (max != null) {
      long parsed = ResetHeader.parseUnsigned(max);
      if (parsed >= 0) {
        // The header takes precedence over the policy's num_retries.
        retries = parsed;
      }
    }
    String extraCodes = headers.get(X_ENVOY_RETRIABLE_STATUS_CODES);
    if (extraCodes != null) {
      codes = codes.plus(parseCodes(extraCodes), countCodes(extraCodes));
    }
    String extraNames = headers.get(X_ENVOY_RETRIABLE_HEADER_NAMES);
    if (extraNames != null) {
      List<HeaderMatch> merged = new ArrayList<>(retriableHeaders);
      for (String name : extraNames.split(",")) {
        if (!name.isBlank()) {
          merged.add(HeaderMatch.present(name.trim()));
        }
      }
      retriableHeaders = merged;
    }
    return new RetryState(policy, cluster, retryOn, retries, codes, retriableHeaders);
  }

  /**
   * Removes the retry headers Envoy's router consumes from a request about to be forwarded. Call
   * for every forwarded request, with or without a retry policy, after {@link #create}.
   */
  public static void consumeRetryHeaders(HttpHeaders requestHeaders) {
    for (int i = 0; i < CONSUMED_REQUEST_HEADERS.size(); i++) {
      requestHeaders.remove(CONSUMED_REQUEST_HEADERS.get(i));
    }
  }

  private static int countCodes(String value) {
    int n = 0;
    for (String part : value.split(",")) {
      if (ResetHeader.parseUnsigned(part) >= 0) {
        n++;
      }
    }
    return n;
  }

  private static int[] parseCodes(String value) {
    int[] out = new int[countCodes(value)];
    int n = 0;
    for (String part : value.split(",")) {
      long code = ResetHeader.parseUnsigned(part);
      if (code >= 0 && code <= Integer.MAX_VALUE) {
        out[n++] = (int) code;
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- decisions

  /**
   * An attempt returned response headers (call before anything is sent downstream, for every
   * response, successful or not). Reads {@code x-envoy-ratelimited} and, for the gRPC conditions,
   * {@code grpc-status} from these headers — a trailers-only gRPC response; like Envoy, a status
   * that only arrives in trailers does not trigger a retry. When retrying and {@code
   * rate_limited_retry_back_off} is configured, a usable reset header sets the back-off.
   */
  public RetryStatus shouldRetryHeaders(int status, HttpHeaders responseHeaders) {
    if (abandoned) {
      return RetryStatus.NO_NOT_RETRIABLE;
    }
    boolean would = wouldRetryFromHeaders(status, responseHeaders);
    long rateLimitedMillis = -1;
    if (would && policy.rateLimitedBackOff().configured()) {
      rateLimitedMillis = resetIntervalMillis(responseHeaders);
    }
    return decide(would, rateLimitedMillis);
  }

  /**
   * An attempt ended without response headers.
   *
   * @param upstreamRequestStarted whether any byte of the request reached the upstream (for {@code
   *     reset-before-request})
   */
  public RetryStatus shouldRetryReset(ResetReason reason, boolean upstreamRequestStarted) {
    if (abandoned) {
      return RetryStatus.NO_NOT_RETRIABLE;
    }
    return decide(wouldRetryFromReset(reason, upstreamRequestStarted), -1);
  }

  /**
   * An attempt's outcome is known only as a gRPC status (e.g. read by the integrator from trailers
   * of a response it has not forwarded yet). Envoy itself only retries on statuses in response
   * headers; this exists so such a caller gets the same gRPC conditions and accounting.
   */
  public RetryStatus shouldRetryGrpcStatus(OptionalInt grpcStatus) {
    if (abandoned) {
      return RetryStatus.NO_NOT_RETRIABLE;
    }
    return decide(grpcStatus.isPresent() && grpcRetriable(grpcStatus.getAsInt()), -1);
  }

  /**
   * The {@code grpc-status} of response headers or trailers, as Envoy reads it: a well-known code
   * (0–16), else empty.
   */
  public static OptionalInt grpcStatusOf(HttpHeaders headersOrTrailers) {
    String value = headersOrTrailers.get(GRPC_STATUS);
    if (value == null) {
      return OptionalInt.empty();
    }
    long code = ResetHeader.parseUnsigned(value);
    return code >= 0 && code <= 16 ? OptionalInt.of((int) code) : OptionalInt.empty();
  }

  /** The delay before the retry {@link RetryStatus#YES} just allowed; schedule it on the loop. */
  public Duration nextBackOff() {
    if (backOffMillis < 0) {
      throw new IllegalStateException("nextBackOff() without a YES from shouldRetry*");
    }
    return Duration.ofMillis(backOffMillis);
  }

  /**
   * The request body outgrew the buffer limit: it can no longer be replayed, so this request is
   * never retried again (Envoy counts {@code retry_or_shadow_abandoned} and drops its retry state).
   */
  public void disableBecauseBodyTooLarge() {
    if (abandoned) {
      return;
    }
    abandoned = true;
    cluster.stats().abandoned.inc();
    releaseRetry();
  }

  /** The request is over (response complete, reset, timed out, downstream gone). Idempotent. */
  public void finish() {
    releaseRetry();
  }

  public BodyBuffering bodyBuffering() {
    return abandoned ? BodyBuffering.NOT_NEEDED : BodyBuffering.BUFFER_FOR_REPLAY;
  }

  /** Retries this request may still make (after {@code x-envoy-max-retries}). */
  public long retriesRemaining() {
    return retriesRemaining;
  }

  // ---------------------------------------------------------------- host selection

  /** An attempt is being sent to {@code host} (remembered for {@code previous_hosts}). */
  public void onHostAttempted(Host host) {
    if (policy.avoidPreviousHosts() && !abandoned) {
      attemptedHosts.add(host);
    }
  }

  /** Hosts a retry should avoid: those already attempted, with {@code previous_hosts}. */
  public Predicate<Host> hostsToAvoid() {
    return hostsToAvoid;
  }

  /** {@code host_selection_retry_max_attempts}: extra picks when a pick is a host to avoid. */
  public int hostSelectionRetryMaxAttempts() {
    return policy.hostSelectionRetryMaxAttempts();
  }

  /**
   * The load-balancer context for the next attempt. As in Envoy, hosts are avoided only on a retry
   * (some host was already attempted), so the first attempt gets plain balancing.
   */
  public LbContext lbContext(OptionalLong hash) {
    if (attemptedHosts.isEmpty()) {
      return hash.isPresent() ? LbContext.withHash(hash.getAsLong()) : LbContext.NONE;
    }
    return new LbContext(hash, hostsToAvoid, policy.hostSelectionRetryMaxAttempts());
  }

  // ---------------------------------------------------------------- internals

  private RetryStatus decide(boolean wouldRetry, long rateLimitedMillis) {
    backOffMillis = -1;
    if (holdingRetry && !wouldRetry) {
      // A retry was made and its outcome is final: the retry succeeded (Envoy's definition).
      cluster.stats().success.inc();
    }
    releaseRetry();
    if (!wouldRetry) {
      return RetryStatus.NO_NOT_RETRIABLE;
    }
    if (retriesRemaining == 0) {
      cluster.stats().limitExceeded.inc();
      return RetryStatus.NO_RETRY_LIMIT_EXCEEDED;
    }
    // Envoy spends the retry before asking the breaker, so an overflowed retry still counts.
    retriesRemaining--;
    if (!cluster.breaker().retries().tryAcquire().admitted()) {
      return RetryStatus.NO_OVERFLOW;
    }
    holdingRetry = true;
    cluster.stats().retry.inc();
    if (rateLimitedMillis > 1) {
      // Envoy's JitteredLowerBoundBackOffStrategy: uniform in [interval, 1.5 × interval).
      backOffMillis = cluster.random().nextLong(rateLimitedMillis >> 1) + rateLimitedMillis;
      cluster.stats().backOffRateLimited.inc();
    } else {
      backOffMillis = backOff.nextBackOffMillis();
      cluster.stats().backOffExponential.inc();
    }
    return RetryStatus.YES;
  }

  private void releaseRetry() {
    if (holdingRetry) {
      holdingRetry = false;
      cluster.breaker().retries().release();
    }
  }

  private boolean has(RetryOn on) {
    return (retryOn & on.bit()) != 0;
  }

  private boolean wouldRetryFromHeaders(int status, HttpHeaders headers) {
    // A response from an upstream Envoy's rate limiter is retried only under envoy-ratelimited.
    if (headers.contains(X_ENVOY_RATELIMITED)) {
      return has(RetryOn.ENVOY_RATELIMITED);
    }
    if (has(RetryOn.FIVE_XX) && status >= 500 && status < 600) {
      return true;
    }
    if (has(RetryOn.GATEWAY_ERROR) && (status == 502 || status == 503 || status == 504)) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_4XX) && status == 409) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_STATUS_CODES) && retriableStatusCodes.contains(status)) {
      return true;
    }
    if (has(RetryOn.RETRIABLE_HEADERS)
        && !retriableHeaders.isEmpty()
        && HeaderMatch.anyMatch(retriableHeaders, HeaderSource.ofResponse(status, headers))) {
      return true;
    }
    if ((retryOn & RetryOn.GRPC_BITS) != 0) {
      OptionalInt grpcStatus = grpcStatusOf(headers);
      return grpcStatus.isPresent() && grpcRetriable(grpcStatus.getAsInt());
    }
    return false;
  }

  private boolean grpcRetriable(int grpcStatus) {
    for (RetryOn on : GRPC_CONDITIONS) {
      if (on.grpcStatus() == grpcStatus && has(on)) {
        return true;
      }
    }
    return false;
  }

  private static final RetryOn[] GRPC_CONDITIONS = {
    RetryOn.GRPC_CANCELLED,
    RetryOn.GRPC_DEADLINE_EXCEEDED,
    RetryOn.GRPC_RESOURCE_EXHAUSTED,
    RetryOn.GRPC_INTERNAL,
    RetryOn.GRPC_UNAVAILABLE
  };

  private boolean wouldRetryFromReset(ResetReason reason, boolean upstreamRequestStarted) {
    if (reason == ResetReason.OVERFLOW) {
      return false;
    }
    if (reason.isConnectFailure() && has(RetryOn.CONNECT_FAILURE)) {
      return true;
    }
    if (has(RetryOn.RESET_BEFORE_REQUEST) && !upstreamRequestStarted) {
      return true;
    }
    if (has(RetryOn.RESET)) {
      return true;
    }
    // Envoy counts any reset as a 5xx, since it will become one.
    if (has(RetryOn.FIVE_XX) || has(RetryOn.GATEWAY_ERROR)) {
      return true;
    }
    return has(RetryOn.REFUSED_STREAM) && reason == ResetReason.REMOTE_REFUSED_STREAM;
  }

  /** The first reset header that parses and stays within max_interval, as Envoy picks it. */
  private long resetIntervalMillis(HttpHeaders headers) {
    RetryPolicyConfig.RateLimitedBackOff rateLimited = policy.rateLimitedBackOff();
    for (ResetHeader header : rateLimited.resetHeaders()) {
      long millis = header.intervalMillis(headers, cluster.wallClock());
      if (millis >= 0 && millis <= rateLimited.maxIntervalMillis()) {
        return millis;
      }
    }
    return -1;
  }
}
