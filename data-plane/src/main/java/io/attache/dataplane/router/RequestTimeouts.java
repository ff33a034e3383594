package io.attache.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;
import java.time.Duration;
import java.util.Optional;

/**
 * The timeouts one forwarded request runs with, as Envoy's router settles them ({@code
 * FilterUtility::finalTimeout}): the route's {@code timeout} and {@code per_try_timeout}, replaced
 * by {@code x-envoy-upstream-rq-timeout-ms} and {@code x-envoy-upstream-rq-per-try-timeout-ms} when
 * the request carries them, a per-try timeout not below the global one dropped, and {@code
 * x-envoy-upstream-rq-timeout-alt-response} turning the timeout reply into a 204. The headers are
 * consumed (never forwarded). Only internal requests can still carry them: the connection manager
 * strips them from every other one. Immutable.
 *
 * @param global the whole request's timeout; {@link Duration#ZERO} when disabled
 * @param perTry each attempt's timeout, if any
 * @param timeoutStatus what a timed-out request is answered with: 504, or 204 when asked
 */
public record RequestTimeouts(Duration global, Optional<Duration> perTry, int timeoutStatus) {
  static final AsciiString UPSTREAM_RQ_TIMEOUT_MS =
      AsciiString.cached("x-envoy-upstream-rq-timeout-ms");
  static final AsciiString UPSTREAM_RQ_PER_TRY_TIMEOUT_MS =
      AsciiString.cached("x-envoy-upstream-rq-per-try-timeout-ms");
  static final AsciiString UPSTREAM_RQ_TIMEOUT_ALT_RESPONSE =
      AsciiString.cached("x-envoy-upstream-rq-timeout-alt-response");

  /** Settles the timeouts of a request on {@code policy}'s route and consumes the headers. */
  public static RequestTimeouts resolve(RoutePolicy policy, HttpHeaders headers) {
    Duration global = policy.timeout();
    Optional<Duration> perTry = policy.retryPolicy().perTryTimeout();
    String globalHeader = headers.get(UPSTREAM_RQ_TIMEOUT_MS);
    if (globalHeader != null) {
      long ms = parseMillis(globalHeader);
      if (ms >= 0) {
        global = Duration.ofMillis(ms);
      }
      headers.remove(UPSTREAM_RQ_TIMEOUT_MS);
    }
    String perTryHeader = headers.get(UPSTREAM_RQ_PER_TRY_TIMEOUT_MS);
    if (perTryHeader != null) {
      long ms = parseMillis(perTryHeader);
      if (ms >= 0) {
        perTry = ms == 0 ? Optional.empty() : Optional.of(Duration.ofMillis(ms));
      }
      headers.remove(UPSTREAM_RQ_PER_TRY_TIMEOUT_MS);
    }
    if (perTry.isPresent() && !global.isZero() && perTry.get().compareTo(global) >= 0) {
      perTry = Optional.empty();
    }
    int status = 504;
    if (headers.contains(UPSTREAM_RQ_TIMEOUT_ALT_RESPONSE)) {
      status = 204;
      headers.remove(UPSTREAM_RQ_TIMEOUT_ALT_RESPONSE);
    }
    return new RequestTimeouts(global, perTry, status);
  }

  /** True when the request runs without a global timeout. */
  public boolean globalDisabled() {
    return global.isZero();
  }

  /** A whole number of milliseconds, surrounding blanks allowed; -1 if not one. */
  private static long parseMillis(String value) {
    String s = value.strip();
    if (s.isEmpty() || s.length() > 18) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }
}
