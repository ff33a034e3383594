package io.attache.dataplane.proxy;

import static io.attache.dataplane.overload.OverloadActionName.DISABLE_HTTP_KEEPALIVE;
import static io.attache.dataplane.overload.OverloadActionName.STOP_ACCEPTING_REQUESTS;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.http.HopByHopHeaders;
import io.attache.dataplane.http.Http1Upgrade;
import io.attache.dataplane.path.PathNormalizer;
import io.attache.dataplane.router.RequestContext;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.tracing.OperationName;
import io.attache.dataplane.tracing.RequestSpan;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * One request/response exchange in the HTTP connection manager (Envoy's {@code ActiveStream}):
 * prepares the request as the connection manager does (hop-by-hop headers, the trust decision with
 * {@code x-forwarded-*} and the {@code x-envoy-*} control headers, request id, host port stripping,
 * path normalisation, 100-continue, tracing), runs it through the listener's HTTP filter chain —
 * the router last — writes what the encoder chain lets out, keeps the stream idle timeout, and at
 * the end counts, traces and logs the stream. Knows nothing of upstreams: that is the router
 * filter's business. Lives on the downstream connection's event loop; never blocks it.
 */
final class ActiveStream {
  private static final String X_ENVOY_DECORATOR_OPERATION = "x-envoy-decorator-operation";

  private final ListenerContext context;
  private final HttpConnectionManagerConfig hcm;
  final DownstreamSink downstream;
  final StreamInfo info = new StreamInfo();
  final StreamLog log;
  private final FilterManager filters;

  HttpRequest request;
  boolean grpc;
  private boolean headRequest;
  private boolean clientWantsClose;
  private String requestId;
  RequestSpan span = RequestSpan.NOOP;

  /** The route decorator's operation to propagate, or null (none, not propagated, overridden). */
  private String decoratedOperation;

  private RouteDecision route;

  boolean requestComplete;
  boolean responseStarted;
  private boolean responseComplete;
  private boolean localReplySent;
  private boolean headersEndedStream;
  private boolean finished;
  private boolean downstreamUnflushed;
  Runnable responseWritten;

  /**
   * The accepted upgrade: an HTTP/1.1 {@code Upgrade} type ({@code websocket}, …) or {@link
   * #CONNECT} for an HTTP/1.1 or HTTP/2 CONNECT; null for an ordinary request.
   */
  private String upgradeType;

  /** The upgrade type Envoy gives a CONNECT request in {@code upgrade_configs}. */
  private static final String CONNECT = "CONNECT";

  /**
   * After an HTTP/1.1 upgrade's 101 or a CONNECT's 2xx on an HTTP/1.1 connection: the request and
   * response bodies are the tunnel's raw bytes (an HTTP/2 stream keeps its DATA frames).
   */
  private boolean tunnelling;

  private final Runnable streamIdleTimeout = this::onIdleTimeout;
  private boolean idleTimerArmed;
  private Duration idleTimeout;

  ActiveStream(ListenerContext context, DownstreamSink downstream) {
    this.context = context;
    this.hcm = context.hcm();
    this.downstream = downstream;
    this.log = new StreamLog(context, downstream, info);
    this.idleTimeout = hcm.streamIdleTimeout();
    this.filters = new FilterManager(this, context);
    context.stats().downstreamRqTotal.inc();
    context.stats().downstreamRqActive.inc();
  }

  ListenerContext context() {
    return context;
  }

  // ---------------------------------------------------------------- downstream events

  void onRequestHeaders(HttpRequest req) {
    // An upgrade request's body is whatever follows the 101 or the CONNECT's 2xx (Envoy does not
    // end its stream with the headers); h2c is the codec's business, as in Envoy.
    boolean connect = HttpMethod.CONNECT.equals(req.method());
    String requestedUpgrade =
        connect ? CONNECT : downstream.http2() ? null : Http1Upgrade.requested(req.headers());
    if (requestedUpgrade != null && "h2c".equalsIgnoreCase(requestedUpgrade)) {
      requestedUpgrade = null;
    }
    if (requestedUpgrade != null && !downstream.http2() && req instanceof FullHttpRequest full) {
      req =
          new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
      full.release();
    }
    this.request = req;
    HttpHeaders h = req.headers();
    log.requestHeaders(req, downstream.scheme());
    headRequest = HttpMethod.HEAD.equals(req.method());
    grpc = h.get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/grpc");
    clientWantsClose = !downstream.http2() && !HttpUtil.isKeepAlive(req);
    armIdleTimer();
    if (HttpUtil.is100ContinueExpected(req)) {
      // Envoy answers 100-continue itself and does not forward the expectation.
      h.remove(HttpHeaderNames.EXPECT);
      downstream.writeAndForget(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    // Read before the hop-by-hop headers go: whether a body follows is Envoy's end_stream.
    boolean endStream =
        requestedUpgrade == null
            && (req instanceof FullHttpRequest
                || !(HttpUtil.isTransferEncodingChunked(req)
                    || HttpUtil.getContentLength(req, 0L) > 0
                    || downstream.http2()));
    headersEndedStream = endStream && !(req instanceof FullHttpRequest);
    HopByHopHeaders.strip(h);
    if (requestedUpgrade != null && !connect) {
      Http1Upgrade.restore(h, requestedUpgrade);
    }
    ForwardingHeaders.Applied forwarding =
        ForwardingHeaders.apply(h, hcm, context.userAgent(), downstream, context.random());
    requestId = forwarding.requestId();
    info.setDownstreamRemoteAddress(forwarding.origin().clientAddress());
    String stripped = hcm.routes().effectiveAuthority(req);
    if (!stripped.isEmpty() && !stripped.equals(h.get(HttpHeaderNames.HOST))) {
      h.set(HttpHeaderNames.HOST, stripped); // port stripped per the HCM, before any filter
    }
    span =
        context
            .tracer()
            .startRequestSpan(
                req,
                downstream.protocol(),
                downstream.remoteAddress(),
                context.stats()::tracingDecision);
    if (req instanceof FullHttpRequest) {
      // HTTP/2 headers with END_STREAM (or an aggregating decoder): the whole request is here.
      log.bytesReceived += ((FullHttpRequest) req).content().readableBytes();
      requestComplete = true;
      log.requestCompleteNanos = context.ticker().nanoTime();
    }
    if (context.random().bernoulli(context.overload().value(STOP_ACCEPTING_REQUESTS))) {
      // Envoy drops the request as soon as its headers are decoded, without building the chain.
      context.stats().downstreamRqOverloadClose.inc();
      info.addFlag(ResponseFlag.OVERLOAD_MANAGER);
      sendLocalReply(503, "envoy overloaded", "overload");
      return;
    }
    // A CONNECT has no path (authority-form target, RFC 9112 §3.2.3): nothing to normalise.
    if ((connect || normalizePath())
        && (requestedUpgrade == null || acceptUpgrade(requestedUpgrade))) {
      applyDecorator();
      filters.decodeHeaders(req, endStream);
    }
  }

  /**
   * Envoy's decorator step where the connection manager traces: the route's {@code decorator} names
   * the span; on egress its operation goes upstream in {@code x-envoy-decorator-operation} (unless
   * {@code propagate: false}); on ingress a caller's {@code x-envoy-decorator-operation} names the
   * span instead and is removed. The response side is in {@link #decorateResponse}.
   */
  private void applyDecorator() {
    if (hcm.tracing().isEmpty()) {
      return;
    }
    route()
        .decorator()
        .ifPresent(
            d -> {
              span.setOperationName(d.operation());
              decoratedOperation = d.propagate() ? d.operation() : null;
            });
    HttpHeaders h = request.headers();
    if (hcm.tracing().get().operationName() == OperationName.EGRESS) {
      if (decoratedOperation != null) {
        h.set(X_ENVOY_DECORATOR_OPERATION, decoratedOperation);
      }
      return;
    }
    String override = h.get(X_ENVOY_DECORATOR_OPERATION);
    if (override != null) {
      if (!override.isEmpty()) {
        span.setOperationName(override);
        decoratedOperation = null; // the caller named the span: nothing to tell it back
      }
      h.remove(X_ENVOY_DECORATOR_OPERATION);
    }
  }

  /**
   * Envoy's upgrade decision: the connection manager must list the type and the route may turn it
   * off (or back on); refused on a request that has a route, it gets 403 {@code upgrade_failed} and
   * the connection closes; refused without a route, it goes on as an ordinary request (the router
   * answers 404). An accepted upgrade counts at once, 101 or not, as Envoy counts it when it builds
   * the upgrade's filter chain.
   */
  private boolean acceptUpgrade(String type) {
    RouteDecision decision = route();
    Map<String, Boolean> routeConfigs =
        decision instanceof RouteDecision.Forward forward
            ? forward.policy().upgradeEnabledByType()
            : Map.of();
    if (!hcm.upgrades().allows(type, routeConfigs)) {
      if (decision instanceof RouteDecision.NoRoute) {
        return true;
      }
      clientWantsClose = true;
      context.stats().downstreamRqWsOnNonWsRoute.inc();
      sendLocalReply(403, "", "upgrade_failed");
      return false;
    }
    upgradeType = type;
    context.stats().downstreamCxUpgradesTotal.inc();
    context.stats().downstreamCxUpgradesActive.inc();
    return true;
  }

  /**
   * The connection manager's path normalisation, before route selection and every filter (RBAC
   * included), so they all match the path the upstream will get; false when the request was
   * answered instead (400, or 307 to the unescaped path — gRPC clients do not follow redirects, so
   * Envoy refuses theirs).
   */
  private boolean normalizePath() {
    PathNormalizer.Result normalized = hcm.paths().normalize(request.uri());
    switch (normalized.action()) {
      case CONTINUE -> {
        if (!normalized.path().equals(request.uri())) {
          request.setUri(normalized.path());
          log.pathNormalized(normalized.path());
        }
        return true;
      }
      case REDIRECT -> {
        if (!grpc) {
          context.stats().downstreamRqRedirectedWithNormalizedPath.inc();
          FullHttpResponse r = LocalReply.build(downstream.alloc(), 307, "", false);
          r.headers().set(HttpHeaderNames.LOCATION, normalized.path());
          sendLocalReply(r, "path_normalization_failed");
          return false;
        }
      }
      case REJECT -> {}
    }
    context.stats().downstreamRqFailedPathNormalization.inc();
    sendLocalReply(400, "", "path_normalization_failed");
    return false;
  }

  void onRequestContent(HttpContent content) {
    log.bytesReceived += content.content().readableBytes();
    armIdleTimer();
    boolean last = content instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
      log.requestCompleteNanos = context.ticker().nanoTime();
    }
    if (finished || responseComplete) {
      // The response is done (often a local reply); drain and drop the rest of the request.
      ReferenceCountUtil.release(content);
      if (!last) {
        downstream.readMore();
      } else if (responseComplete) {
        complete();
      }
      return;
    }
    if (upgradeType != null && !downstream.http2() && content instanceof LastHttpContent) {
      // The codec's end of the upgrade request's headers (it may come after the tunnel started,
      // when the router answered first): the stream's body is the tunnel's bytes, never an HTTP/1.1
      // end.
      ReferenceCountUtil.release(content);
      return;
    }
    if (headersEndedStream) {
      // HTTP/1.1's empty end of a bodiless request: the chain already saw end_stream on the
      // headers.
      ReferenceCountUtil.release(content);
      return;
    }
    filters.decodeData(content);
  }

  /** The downstream connection or stream went away before we finished. */
  void onDownstreamClosed() {
    if (finished) {
      return;
    }
    info.addFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
    context.stats().downstreamCxDestroyRemote.inc();
    finish();
  }

  /** The route, resolved on first use and kept (Envoy's cached route). */
  RouteDecision route() {
    if (route == null) {
      route =
          hcm.routes()
              .route(
                  request,
                  context.random(),
                  new RequestContext(
                      // scheme_header_transformation rewrites :scheme, as Envoy does.
                      Optional.of(hcm.schemeToOverwrite().orElse(downstream.scheme())),
                      Optional.ofNullable(downstream.remoteAddress().getAddress()),
                      downstream.tls().mutual()));
    }
    return route;
  }

  /** Drops the cached route; the next {@link #route()} resolves it again. */
  void clearRouteCache() {
    route = null;
  }

  /** Replaces the route a filter chose for the rest of the chain. */
  void setRoute(RouteDecision replacement) {
    route = java.util.Objects.requireNonNull(replacement);
  }

  boolean ended() {
    return finished || responseComplete;
  }

  // ---------------------------------------------------------------- the response

  /** Response headers that passed every encoder filter: decorated, framed, written. */
  void writeHeaders(HttpResponse out, boolean endStream) {
    responseStarted = true;
    if (!localReplySent) {
      log.firstResponseByteNanos = context.ticker().nanoTime();
    }
    info.setResponseCode(out.status().code());
    HttpHeaders h = out.headers();
    int code = out.status().code();
    boolean connectEstablished = CONNECT.equals(upgradeType) && code >= 200 && code < 300;
    if (upgradeType != null && code != 101 && !connectEstablished) {
      clientWantsClose = true; // refused upgrade: the request never ended, the connection goes
    }
    decorateResponse(h);
    String switchedTo = code == 101 && !CONNECT.equals(upgradeType) ? upgradeType : null;
    if (switchedTo != null) {
      // A 101 keeps its connection: upgrade whatever the connection's close decision: the
      // connection ends with the tunnel.
      Http1Upgrade.restore(h, h.get(HttpHeaderNames.UPGRADE, switchedTo));
    }
    if (connectEstablished) {
      // RFC 9110 §9.3.6: a 2xx to CONNECT has no framing; what follows is the tunnel, and the
      // connection ends with it (no connection: close, as Envoy sends none while tunnelling).
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      h.remove(HttpHeaderNames.TRANSFER_ENCODING);
      h.remove(HttpHeaderNames.CONNECTION);
    }
    log.responseHeaders = h;
    if (out instanceof FullHttpResponse full) {
      writeLast(full);
      return;
    }
    int status = out.status().code();
    boolean bodyless =
        headRequest || status == 204 || status == 304 || status < 200 || connectEstablished;
    if (!bodyless && !HttpUtil.isContentLengthSet(out)) {
      if ("HTTP/1.0".equals(downstream.protocol())) {
        clientWantsClose = true; // close-delimited body
      } else if (!downstream.http2()) {
        HttpUtil.setTransferEncodingChunked(out, true);
      }
    }
    // Flushed at the end of this upstream read (the router's read-complete) or by the body write,
    // whichever comes first: a response read in one batch leaves in one send.
    downstreamUnflushed = true;
    downstream.writeUnflushed(out).addListener(this::onResponseWritten);
    if ((switchedTo != null || connectEstablished) && !downstream.http2()) {
      // The 101 (or the CONNECT's 2xx) is encoded; what follows in both directions is the
      // upgraded protocol's bytes. An HTTP/2 CONNECT stream carries them in DATA frames.
      tunnelling = true;
      downstream.startTunnel();
    }
  }

  /** A response chunk that passed every encoder filter. */
  void writeData(HttpContent content, boolean last) {
    if (last) {
      writeLast(content);
      return;
    }
    log.bytesSent += content.content().readableBytes();
    // Waits for the end of the upstream read like the headers do; the next upstream read is asked
    // for once the chunk is on the downstream socket (backpressure).
    downstreamUnflushed = true;
    downstream.writeUnflushed(content).addListener(this::onResponseWritten);
  }

  private void onResponseWritten(io.netty.util.concurrent.Future<?> f) {
    if (f.isSuccess() && !finished && responseWritten != null) {
      responseWritten.run();
    }
  }

  private void writeLast(HttpContent last) {
    log.bytesSent += last.content().readableBytes();
    if (last instanceof FullHttpResponse full) {
      // Envoy's HTTP/1 codec frames a bodiless end with "content-length: 0"; its HTTP/2 codec
      // sends a headers-only response (a gRPC trailers-only reply) without one.
      boolean headersOnlyHttp2 = downstream.http2() && !full.content().isReadable();
      if (!HttpUtil.isContentLengthSet(full)
          && !HttpUtil.isTransferEncodingChunked(full)
          && !headersOnlyHttp2) {
        HttpUtil.setContentLength(full, full.content().readableBytes());
      }
      if (headRequest) {
        full.content().clear();
      }
    } else {
      log.responseTrailers = ((LastHttpContent) last).trailingHeaders();
    }
    responseComplete = true;
    downstreamUnflushed = false;
    downstream.writeAndForget(last); // nothing waits for it: no future needed
    if (tunnelling) {
      clientWantsClose = true; // the tunnel's end is the HTTP/1.1 connection's end
    }
    if (requestComplete || (localReplySent && !headersEndedStream)) {
      complete();
    } else if (upgradeType != null) {
      // The tunnel's upstream side ended, or the upgrade was answered without a 101: either way
      // the HTTP/1.1 connection cannot carry another request.
      clientWantsClose = true;
      complete();
    } else if (headersEndedStream) {
      // The empty end of a bodiless HTTP/1 request is still on its way from the decoder; its
      // arrival (onRequestContent) completes the exchange on a connection that stays open.
    } else {
      // Envoy finishes the stream once the response is done; the rest of the body is drained.
      downstream.readMore();
    }
  }

  void flushResponse() {
    if (downstreamUnflushed) {
      downstreamUnflushed = false;
      downstream.flush();
    }
  }

  /** A local reply, from a filter or the connection manager itself. */
  void sendLocalReply(FullHttpResponse r, String details) {
    if (finished) {
      ReferenceCountUtil.release(r);
      return;
    }
    if (responseStarted) {
      ReferenceCountUtil.release(r);
      resetStream();
      return;
    }
    info.setResponseCodeDetails(details);
    localReplySent = true;
    if (!requestComplete && !headersEndedStream) {
      // The rest of the body is not wanted; close rather than read and discard it (Envoy closes an
      // HTTP/1 connection it answered before the request ended). Decided before the headers are
      // written so the reply says "connection: close" and the client does not reuse it. A bodiless
      // HTTP/1 request has ended with its headers: its connection stays open.
      clientWantsClose = clientWantsClose || !downstream.http2();
    }
    filters.encodeLocalReply(r);
  }

  void sendLocalReply(int status, String body, String details) {
    sendLocalReply(LocalReply.build(downstream.alloc(), status, body, grpc), details);
  }

  void resetStream() {
    if (finished) {
      return;
    }
    downstream.reset();
    finish();
  }

  private void decorateResponse(HttpHeaders h) {
    switch (hcm.serverHeaderTransformation()) {
      case OVERWRITE -> h.set(HttpHeaderNames.SERVER, hcm.serverName());
      case APPEND_IF_ABSENT -> {
        if (!h.contains(HttpHeaderNames.SERVER)) {
          h.set(HttpHeaderNames.SERVER, hcm.serverName());
        }
      }
      case PASS_THROUGH -> {}
    }
    if (!h.contains(HttpHeaderNames.DATE)) {
      h.set(HttpHeaderNames.DATE, HttpDates.format(context.clock().millis()));
    }
    if (hcm.alwaysSetRequestIdInResponse() && requestId != null) {
      h.set("x-request-id", requestId);
    }
    if (hcm.tracing().isPresent()) {
      if (hcm.tracing().get().operationName() == OperationName.INGRESS) {
        if (decoratedOperation != null) {
          h.set(X_ENVOY_DECORATOR_OPERATION, decoratedOperation);
        }
      } else {
        String override = h.get(X_ENVOY_DECORATOR_OPERATION);
        if (override != null) {
          if (!override.isEmpty()) {
            span.setOperationName(override);
          }
          h.remove(X_ENVOY_DECORATOR_OPERATION);
        }
      }
    }
    drainIfAsked();
    if (clientWantsClose && !downstream.http2()) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  /**
   * Envoy's drain check on response headers: the first response after the listener's drain decision
   * (or the overload manager's {@code disable_http_keepalive}) says yes starts the connection's
   * drain sequence (counted once per connection); from then on an HTTP/1.1 response closes its
   * connection.
   */
  private void drainIfAsked() {
    boolean overloaded =
        !downstream.connectionDraining()
            && context.random().bernoulli(context.overload().value(DISABLE_HTTP_KEEPALIVE));
    if (overloaded) {
      context.stats().downstreamCxOverloadDisableKeepalive.inc();
    }
    if (!downstream.connectionDraining() && (overloaded || context.drainDecision().drainClose())) {
      context.stats().downstreamCxDrainClose.inc();
      downstream.startConnectionDrain(hcm.drainTimeout());
    }
    if (downstream.connectionDraining() && !downstream.http2()) {
      clientWantsClose = true;
    }
  }

  // ---------------------------------------------------------------- stream idle timeout

  /** Replaces the stream idle timeout for the rest of the stream (a route's idle_timeout). */
  void setIdleTimeout(Duration timeout) {
    idleTimeout = timeout;
    if (idleTimerArmed) {
      downstream.streamIdleTimer().clear(streamIdleTimeout);
      idleTimerArmed = false;
    }
    armIdleTimer();
  }

  /**
   * Notes activity for the stream idle timeout: moves the deadline, which schedules nothing while a
   * pending check of the connection's timer comes earlier (see {@code DeadlineTimer}).
   */
  void armIdleTimer() {
    if (idleTimeout.isZero() || finished) {
      return;
    }
    idleTimerArmed = true;
    downstream
        .streamIdleTimer()
        .arm(context.ticker().nanoTime() + idleTimeout.toNanos(), streamIdleTimeout);
  }

  private void onIdleTimeout() {
    if (finished) {
      return;
    }
    info.addFlag(ResponseFlag.STREAM_IDLE_TIMEOUT);
    context.stats().downstreamRqIdleTimeout.inc();
    if (!responseStarted) {
      clientWantsClose = true;
      // Envoy's maybeRequestTimeoutCode: 504 once the whole request was received, else 408.
      sendLocalReply(requestComplete ? 504 : 408, "stream timeout", "stream_idle_timeout");
    } else {
      resetStream();
    }
  }

  // ---------------------------------------------------------------- completion

  private void complete() {
    if (finished) {
      return;
    }
    finish();
    downstream.streamComplete(clientWantsClose);
  }

  private void finish() {
    if (finished) {
      return;
    }
    finished = true;
    if (idleTimerArmed) {
      downstream.streamIdleTimer().clear(streamIdleTimeout);
    }
    filters.destroy();
    context.stats().downstreamRqActive.dec();
    if (upgradeType != null) {
      context.stats().downstreamCxUpgradesActive.dec();
    }
    context
        .stats()
        .downstreamRqTime
        .record(
            java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(
                context.ticker().nanoTime() - log.startNanos()));
    if (info.responseCode() > 0) {
      context.stats().responseCode(info.responseCode());
      context.stats().downstreamRqCompleted.inc();
    }
    log.streamEnded(span, requestComplete);
  }

  boolean isFinished() {
    return finished;
  }

  /** For the connection: did this exchange consume its whole request? */
  boolean requestComplete() {
    return requestComplete;
  }
}
