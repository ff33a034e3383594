package io.attache.dataplane.filter.router;

import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.headercase.FormattedHttpMessage;
import io.attache.dataplane.headercase.FormattedHttpRequest;
import io.attache.dataplane.headercase.FormattedHttpResponse;
import io.attache.dataplane.http.HopByHopHeaders;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.RequestTimeouts;
import io.attache.dataplane.router.RouteDecision;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The header work of Envoy's router on the way up (route rewrites, the per-attempt request with its
 * tracing and {@code x-envoy-expected-rq-timeout-ms}) and on the way down (hop-by-hop headers, the
 * route's response headers, {@code x-envoy-upstream-service-time}). Stateless.
 */
final class UpstreamHeaders {
  /** Envoy's router header telling the upstream how long the proxy will wait for it. */
  static final String EXPECTED_TIMEOUT_HEADER = "x-envoy-expected-rq-timeout-ms";

  private UpstreamHeaders() {}

  /** The route's request rewrites, once, before the first attempt. */
  static void finalizeRequest(
      RouteDecision.Forward forward, HttpRequest request, DownstreamConnection connection) {
    forward.finalizeRequest(
        request,
        forward.requestHeaderMutations().isEmpty()
            ? FormatterContext.NONE
            : FormatterContext.Snapshot.forRequest(
                connection.remoteAddress(),
                connection.localAddress(),
                connection.protocol(),
                request.headers()),
        true);
  }

  /** The request line and headers one attempt sends. */
  static HttpRequest forAttempt(
      HttpRequest request,
      UpstreamRequest attempt,
      boolean mayBeSentAgain,
      boolean bodyExpected,
      long expectedTimeoutMillis) {
    // A request that may be sent again keeps its own headers pristine; a single-shot one (no retry
    // possible) is sent as it is, saving a header copy per request.
    HttpHeaders headers = mayBeSentAgain ? request.headers().copy() : request.headers();
    attempt.span.injectInto(headers, request.uri(), attempt.host.address());
    if (expectedTimeoutMillis > 0) {
      headers.set(EXPECTED_TIMEOUT_HEADER, Long.toString(expectedTimeoutMillis));
    }
    // A formatter the downstream codec made (preserve_case) goes up with the request, as in Envoy.
    DefaultHttpRequest out =
        request instanceof FormattedHttpMessage carried
            ? new FormattedHttpRequest(
                HttpVersion.HTTP_1_1,
                request.method(),
                request.uri(),
                headers,
                carried.keyFormatter())
            : new DefaultHttpRequest(
                HttpVersion.HTTP_1_1, request.method(), request.uri(), headers);
    if (bodyExpected && !HttpUtil.isContentLengthSet(out)) {
      HttpUtil.setTransferEncodingChunked(out, true);
    }
    return out;
  }

  /**
   * What Envoy's router announces (FilterUtility::setTimeoutHeaders, which runs unless the router's
   * suppress_envoy_headers — not honoured here — is set): the per-try timeout, else the route
   * timeout, never more than what a retry has left of the route timeout; 0 (no header) when both
   * are off. Both may come from an internal request's {@code x-envoy-upstream-rq-*} headers. {@code
   * elapsedNanos} is 0 for the first attempt, as in Envoy.
   */
  static long expectedTimeoutMillis(RequestTimeouts timeouts, long elapsedNanos) {
    long global = timeouts.global().toMillis();
    long expected = timeouts.perTry().map(Duration::toMillis).orElse(global);
    if (expected > 0 && global > 0) {
      long elapsed = TimeUnit.NANOSECONDS.toMillis(elapsedNanos);
      expected = elapsed >= global ? 1 : Math.min(expected, global - elapsed);
    }
    return expected;
  }

  /** The upstream response's headers made ready for the downstream. */
  static HttpResponse forDownstream(
      HttpResponse response,
      RouteDecision.Forward route,
      UpstreamRequest attempt,
      StreamDecoderFilterCallbacks callbacks,
      RouterFilterFactory shared) {
    HttpHeaders h = response.headers();
    HopByHopHeaders.strip(h);
    if (!route.responseHeaderMutations().isEmpty()) {
      route.responseHeaderMutations().apply(h, responseFormatter(callbacks, attempt, h));
    }
    long now = shared.context.ticker().nanoTime();
    h.set(
        "x-envoy-upstream-service-time",
        Long.toString(TimeUnit.NANOSECONDS.toMillis(now - attempt.startNanos)));
    if (response instanceof FullHttpResponse) {
      return response;
    }
    // The upstream codec's formatter (preserve_case) goes down with the response, as in Envoy.
    return response instanceof FormattedHttpMessage carried
        ? new FormattedHttpResponse(
            HttpVersion.HTTP_1_1, response.status(), h, carried.keyFormatter())
        : new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(), h);
  }

  /** {@code %UPSTREAM_REMOTE_ADDRESS%}, {@code %RESP(x)%} and friends for response mutations. */
  static FormatterContext responseFormatter(
      StreamDecoderFilterCallbacks callbacks, UpstreamRequest attempt, HttpHeaders headers) {
    DownstreamConnection c = callbacks.connection();
    HttpRequest request = callbacks.requestHeaders();
    return new FormatterContext.Snapshot(
        Optional.ofNullable(c.remoteAddress()),
        Optional.ofNullable(c.localAddress()),
        Optional.ofNullable(attempt == null ? null : attempt.host.address()),
        c.protocol(),
        request == null ? EmptyHttpHeaders.INSTANCE : request.headers(),
        headers);
  }
}
