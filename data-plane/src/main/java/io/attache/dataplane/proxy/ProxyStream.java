package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLogEntry;
import io.attache.dataplane.accesslog.HeaderLookup;
import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.accesslog.ResponseFlags;
import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.fault.FaultDecision;
import io.attache.dataplane.fault.FaultInjector;
import io.attache.dataplane.listener.HttpConnectionManagerConfig;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.path.PathNormalizer;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.proxy.ClusterHandle.SelectedHost;
import io.attache.dataplane.proxy.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.rbac.RbacFilter;
import io.attache.dataplane.rbac.RbacRequest;
import io.attache.dataplane.retry.ResetReason;
import io.attache.dataplane.retry.RetryState;
import io.attache.dataplane.retry.RetryStatus;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.RequestContext;
import io.attache.dataplane.router.RequestTimeouts;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.tracing.AttemptOutcome;
import io.attache.dataplane.tracing.AttemptSpan;
import io.attache.dataplane.tracing.RequestOutcome;
import io.attache.dataplane.tracing.RequestSpan;
import io.attache.dataplane.trust.RequestOrigin;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
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
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One request/response exchange through the proxy, Envoy's router in miniature: runs the RBAC
 * filters, routes the request, applies fault injection, then runs upstream attempts — each on a
 * host from the load balancer, through the cluster's circuit breakers — retrying per the route's
 * retry policy with jittered back-off (the body is kept for replay only up to the buffer limit),
 * and streams the chosen response back with backpressure. Answers locally, with Envoy's codes and
 * response flags, when it cannot forward. Lives on the downstream connection's event loop and must
 * never block it.
 */
final class ProxyStream {
  private static final String OVERLOADED_HEADER = "x-envoy-overloaded";

  /** Envoy's default listener {@code per_connection_buffer_limit_bytes}: the replay cap. */
  private static final int DEFAULT_BUFFER_LIMIT = 1024 * 1024;

  private final ListenerContext context;
  private final HttpConnectionManagerConfig hcm;
  private final DownstreamSink downstream;

  /** Envoy's router header telling the upstream how long the proxy will wait for it. */
  static final String EXPECTED_TIMEOUT_HEADER = "x-envoy-expected-rq-timeout-ms";

  private final long startNanos;
  private final Instant startTime;
  private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);

  private HttpRequest request;
  private String method = "-";
  private String path = "-";
  private String authority = "-";
  private String scheme = "http";
  private boolean grpc;
  private boolean headRequest;
  private boolean clientWantsClose;
  private boolean requestBodyExpected;
  private RequestOrigin origin;
  private String requestId;
  private String routeName;
  private RequestSpan span = RequestSpan.NOOP;
  private FaultDecision fault = FaultDecision.NONE;

  private RouteDecision.Forward route;
  private RequestTimeouts timeouts;
  private ClusterHandle cluster;
  private ResourceManager breakers;
  private RetryState retryState;
  private boolean gateAdmitted;
  private Attempt attempt;
  private int attempts;
  private ScheduledFuture<?> retryTimer;
  private ScheduledFuture<?> faultTimer;

  /** Request chunks kept for replay (buffering) or not yet sent to the current attempt. */
  private final List<HttpContent> body = new ArrayList<>();

  private boolean buffering;
  private long bufferedBytes;
  private int bufferLimit = DEFAULT_BUFFER_LIMIT;

  private boolean requestComplete;
  private boolean responseStarted;
  private boolean responseComplete;
  private boolean finished;
  private long requestCompleteNanos;
  private long firstResponseByteNanos;
  private int responseCode;
  private String responseCodeDetails = "-";
  private HttpHeaders responseHeaders = EmptyHttpHeaders.INSTANCE;
  private HttpHeaders responseTrailers = EmptyHttpHeaders.INSTANCE;
  private SelectedHost lastHost;
  private long bytesReceived;
  private long bytesSent;
  private final Runnable routeTimeout = this::onRouteTimeout;
  private final Runnable streamIdleTimeout = this::onIdleTimeout;
  private boolean routeTimerArmed;
  private boolean idleTimerArmed;
  private boolean downstreamUnflushed;
  private Duration idleTimeout;

  ProxyStream(ListenerContext context, DownstreamSink downstream) {
    this.context = context;
    this.hcm = context.hcm();
    this.downstream = downstream;
    this.startNanos = context.ticker().nanoTime();
    this.startTime = context.clock().instant();
    this.idleTimeout = hcm.streamIdleTimeout();
    context.stats().downstreamRqTotal.inc();
    context.stats().downstreamRqActive.inc();
  }

  // ---------------------------------------------------------------- downstream events

  void onRequestHeaders(HttpRequest req) {
    this.request = req;
    HttpHeaders h = req.headers();
    method = req.method().name();
    path = req.uri();
    scheme = downstream.scheme();
    authority = h.get(HttpHeaderNames.HOST, "-");
    headRequest = HttpMethod.HEAD.equals(req.method());
    grpc = h.get(HttpHeaderNames.CONTENT_TYPE, "").startsWith("application/grpc");
    clientWantsClose = !"HTTP/2".equals(downstream.protocol()) && !HttpUtil.isKeepAlive(req);
    armIdleTimer();

    if (HttpUtil.is100ContinueExpected(req)) {
      // Envoy answers 100-continue itself and does not forward the expectation.
      h.remove(HttpHeaderNames.EXPECT);
      downstream.writeAndForget(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
    requestBodyExpected =
        req instanceof FullHttpRequest full
            ? full.content().isReadable()
            : HttpUtil.isTransferEncodingChunked(req)
                || HttpUtil.getContentLength(req, 0L) > 0
                || "HTTP/2".equals(downstream.protocol());
    HopByHopHeaders.strip(h);
    applyForwardingHeaders(h);
    span =
        context.tracer().startRequestSpan(req, downstream.protocol(), downstream.remoteAddress());
    if (req instanceof FullHttpRequest full) {
      // HTTP/2 headers with END_STREAM (or an aggregating decoder): the whole request is here.
      bytesReceived += full.content().readableBytes();
      body.add(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      requestComplete = true;
      requestCompleteNanos = context.ticker().nanoTime();
    }

    if (!normalizePath() || runRbacFilters() == RbacFilter.Verdict.DENY) {
      return;
    }
    RouteDecision decision =
        hcm.routes()
            .route(
                req,
                context.random(),
                RequestContext.of(downstream.scheme(), downstream.remoteAddress().getAddress()));
    if (decision instanceof RouteDecision.NoRoute) {
      context.stats().noRoute.inc();
      flags.add(ResponseFlag.NO_ROUTE_FOUND);
      localReply(404, "", "route_not_found");
    } else if (decision instanceof RouteDecision.DirectResponse direct) {
      context.stats().rqDirectResponse.inc();
      routeName = direct.routeName();
      FullHttpResponse r =
          LocalReply.build(
              downstream.alloc(),
              direct.status(),
              direct.body().map(b -> b.toStringUtf8()).orElse(""),
              false);
      direct.responseHeaderMutations().apply(r.headers(), responseFormatter(r.headers()));
      sendLocal(r, "direct_response");
    } else if (decision instanceof RouteDecision.Redirect redirect) {
      context.stats().rqRedirect.inc();
      routeName = redirect.routeName();
      FullHttpResponse r = LocalReply.build(downstream.alloc(), redirect.status(), "", false);
      r.headers().set(HttpHeaderNames.LOCATION, redirect.location());
      redirect.responseHeaderMutations().apply(r.headers(), responseFormatter(r.headers()));
      sendLocal(r, "redirect");
    } else if (decision instanceof RouteDecision.ClusterNotFound notFound) {
      context.stats().noCluster.inc();
      routeName = notFound.routeName();
      flags.add(ResponseFlag.NO_CLUSTER_FOUND);
      localReply(notFound.status(), "", "cluster_not_found");
    } else if (decision instanceof RouteDecision.Forward forward) {
      forward(forward);
    }
  }

  /**
   * The HCM's path normalisation, before RBAC and routing so both match the path the upstream will
   * get; false when the request was answered instead (400, or 307 to the unescaped path).
   */
  private boolean normalizePath() {
    PathNormalizer.Result normalized = hcm.paths().normalize(request.uri());
    switch (normalized.action()) {
      case CONTINUE -> {
        if (!normalized.path().equals(request.uri())) {
          request.setUri(normalized.path());
          path = normalized.path();
        }
        return true;
      }
      case REDIRECT -> {
        if (!grpc) { // gRPC clients do not follow redirects: Envoy refuses instead
          context.stats().downstreamRqRedirectedWithNormalizedPath.inc();
          FullHttpResponse r = LocalReply.build(downstream.alloc(), 307, "", false);
          r.headers().set(HttpHeaderNames.LOCATION, normalized.path());
          sendLocal(r, "path_normalization_failed");
          return false;
        }
      }
      case REJECT -> {}
    }
    context.stats().downstreamRqFailedPathNormalization.inc();
    localReply(400, "", "path_normalization_failed");
    return false;
  }

  /**
   * Runs the RBAC filters in chain order, before routing: in Envoy they precede the router, so a
   * denied request gets 403 even where the route would answer 404, a redirect or a direct response,
   * and never reaches an upstream.
   */
  private RbacFilter.Verdict runRbacFilters() {
    if (context.rbac().isEmpty()) {
      return RbacFilter.Verdict.CONTINUE;
    }
    RbacRequest view =
        RbacRequest.of(
            request,
            scheme,
            downstream.remoteAddress(),
            origin.clientAddress(),
            downstream.localAddress(),
            downstream.peerIdentity());
    for (RbacFilter filter : context.rbac()) {
      RbacFilter.Result result = filter.check(view);
      if (result.verdict() == RbacFilter.Verdict.DENY) {
        localReply(403, RbacFilter.DENIED_BODY, result.responseCodeDetails());
        return RbacFilter.Verdict.DENY;
      }
    }
    return RbacFilter.Verdict.CONTINUE;
  }

  void onRequestContent(HttpContent content) {
    bytesReceived += content.content().readableBytes();
    armIdleTimer();
    boolean last = content instanceof LastHttpContent;
    if (last) {
      requestComplete = true;
      requestCompleteNanos = context.ticker().nanoTime();
      startRouteTimer();
    }
    if (finished || responseComplete || route == null) {
      // A local reply was sent (or is coming); drain and drop the rest of the request.
      ReferenceCountUtil.release(content);
      if (!last) {
        downstream.readMore();
      } else if (responseComplete) {
        complete();
      }
      return;
    }
    if (buffering && bufferedBytes + content.content().readableBytes() > bufferLimit) {
      stopBuffering();
    }
    if (buffering) {
      bufferedBytes += content.content().readableBytes();
      body.add(content);
      if (attempt != null && attempt.lease != null) {
        attempt.sentChunks++;
        writeUpstream(content.retainedDuplicate());
      }
    } else if (attempt != null && attempt.lease != null) {
      writeUpstream(content);
    } else {
      body.add(content);
    }
    if (last && attempt != null && attempt.lease != null) {
      attempt.startPerTryTimer();
    }
  }

  /** The downstream connection or stream went away before we finished. */
  void onDownstreamClosed() {
    if (finished) {
      return;
    }
    flags.add(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
    context.stats().downstreamCxDestroyRemote.inc();
    if (attempt != null) {
      attempt.end(UpstreamOutcome.LOCAL_RESET, false);
    }
    finish();
  }

  // ---------------------------------------------------------------- routing to a cluster

  private void forward(RouteDecision.Forward forward) {
    this.route = forward;
    routeName = forward.policy().routeName();
    timeouts = RequestTimeouts.resolve(forward.policy(), request.headers());
    cluster = context.clusters().apply(forward.cluster());
    if (cluster == null) {
      context.stats().noCluster.inc();
      flags.add(ResponseFlag.NO_CLUSTER_FOUND);
      route = null;
      localReply(forward.policy().clusterNotFoundStatus(), "", "cluster_not_found");
      return;
    }
    if (forward.policy().idleTimeout().isPresent()) {
      idleTimeout = forward.policy().idleTimeout().get();
      if (idleTimerArmed) {
        downstream.streamIdleTimer().clear(streamIdleTimeout);
        idleTimerArmed = false;
      }
      armIdleTimer();
    }
    forward.finalizeRequest(
        request,
        forward.requestHeaderMutations().isEmpty()
            ? FormatterContext.NONE
            : FormatterContext.Snapshot.forRequest(
                downstream.remoteAddress(),
                downstream.localAddress(),
                downstream.protocol(),
                request.headers()),
        true);
    String stripped = hcm.routes().effectiveAuthority(request);
    if (!stripped.isEmpty() && !stripped.equals(request.headers().get(HttpHeaderNames.HOST))) {
      request.headers().set(HttpHeaderNames.HOST, stripped); // port stripped per the HCM
    }
    breakers = cluster.breakers(forward.policy().priority());
    retryState =
        RetryState.create(
            forward.policy().retryPolicy(),
            request,
            scheme,
            cluster.retryContext(forward.policy().priority()));
    RetryState.consumeRetryHeaders(request.headers());
    buffering = retryState.bodyBuffering() == RetryState.BodyBuffering.BUFFER_FOR_REPLAY;
    if (forward.policy().perRequestBufferLimitBytes().isPresent()) {
      bufferLimit = forward.policy().perRequestBufferLimitBytes().getAsInt();
    }
    for (HttpContent c : body) {
      bufferedBytes += c.content().readableBytes();
    }
    if (buffering && bufferedBytes > bufferLimit) {
      stopBuffering();
    }
    if (requestComplete) {
      startRouteTimer();
    }

    if (cluster.gate().tryAdmit() != BreakerGate.Admission.ADMIT) {
      // The strict breaker is OPEN (or its one probe is in flight): fail fast, no network.
      flags.add(ResponseFlag.NO_HEALTHY_UPSTREAM);
      route = null;
      localReply(503, "no healthy upstream", "attache_breaker_open");
      return;
    }
    gateAdmitted = true;
    if (context.faults().isPresent()) {
      FaultInjector faults = context.faults().get();
      // The route's most specific typed_per_filter_config entry replaces the filter's config.
      fault =
          faults.decide(
              forward.perFilterConfigs().fault(faults.filterName()),
              request,
              cluster.name(),
              context.random());
      switch (fault.kind()) {
        case ABORT -> {
          abortByFault();
          return;
        }
        case DELAY, DELAY_THEN_ABORT -> {
          flags.add(ResponseFlag.DELAY_INJECTED);
          faultTimer =
              downstream
                  .eventLoop()
                  .schedule(
                      this::onFaultDelayElapsed, fault.delay().toNanos(), TimeUnit.NANOSECONDS);
          return;
        }
        case NONE -> {}
      }
    }
    startAttempt();
  }

  private void onFaultDelayElapsed() {
    faultTimer = null;
    if (finished) {
      return;
    }
    if (fault.delayElapsed() == FaultDecision.AfterDelay.ABORT) {
      abortByFault();
    } else {
      startAttempt();
    }
  }

  private void abortByFault() {
    flags.add(ResponseFlag.FAULT_INJECTED);
    FaultDecision.Abort abort = fault.abort();
    route = null;
    if (grpc && abort.grpcStatus().isPresent()) {
      sendLocal(
          LocalReply.grpc(
              downstream.alloc(), abort.grpcStatus().getAsInt(), FaultDecision.ABORT_BODY),
          FaultDecision.ABORT_DETAILS);
    } else {
      localReply(abort.httpStatus(), FaultDecision.ABORT_BODY, FaultDecision.ABORT_DETAILS);
    }
  }

  /** Stops keeping the body for replay: it no longer fits, so this request will not be retried. */
  private void stopBuffering() {
    buffering = false;
    retryState.disableBecauseBodyTooLarge();
    int sent = attempt == null || attempt.lease == null ? 0 : attempt.sentChunks;
    for (int i = 0; i < sent && !body.isEmpty(); i++) {
      ReferenceCountUtil.release(body.remove(0));
    }
    bufferedBytes = 0;
  }

  // ---------------------------------------------------------------- attempts

  private void startAttempt() {
    retryTimer = null;
    if (finished) {
      return;
    }
    SelectedHost host = cluster.chooseHost(retryState.lbContext(route.hash()));
    if (host == null) {
      flags.add(ResponseFlag.NO_HEALTHY_UPSTREAM);
      route = null;
      localReply(503, "no healthy upstream", "no_healthy_upstream");
      return;
    }
    OverflowDecision admitted = breakers.requests().tryAcquire();
    if (admitted != OverflowDecision.ADMITTED) {
      overloaded("upstream_overflow_max_requests");
      return;
    }
    lastHost = host;
    retryState.onHostAttempted(host.host());
    if (route.policy().autoHostRewrite()) {
      request.headers().set(HttpHeaderNames.HOST, host.hostname());
    }
    attempts++;
    Attempt a = new Attempt(attempts, host, span.startAttempt(attempts, cluster.name()));
    attempt = a;
    cluster.requestStarted(host);
    Future<UpstreamLease> acquired =
        cluster
            .pool(downstream.eventLoop(), host, "HTTP/2".equals(downstream.protocol()))
            .acquire();
    if (acquired.isDone()) {
      a.onLease(acquired);
    } else if (breakers.pendingRequests().tryAcquire() != OverflowDecision.ADMITTED) {
      acquired.addListener(f -> releaseUnwanted(acquired));
      a.end(UpstreamOutcome.CANCELLED, true);
      overloaded("upstream_overflow_max_pending_requests");
    } else {
      a.pendingSlot = true;
      acquired.addListener(f -> a.onLease(acquired));
    }
  }

  private static void releaseUnwanted(Future<UpstreamLease> acquired) {
    if (acquired.isSuccess()) {
      acquired.getNow().release(true);
    }
  }

  /** Decides about one failed attempt: retry after back-off, or answer with {@code fallback}. */
  private void onAttemptFailed(RetryStatus status, Runnable fallback) {
    if (status == RetryStatus.YES) {
      scheduleRetry();
      return;
    }
    status.responseFlag().ifPresent(flags::add);
    fallback.run();
  }

  private void scheduleRetry() {
    attempt = null;
    Duration backOff = retryState.nextBackOff();
    retryTimer =
        downstream
            .eventLoop()
            .schedule(this::startAttempt, backOff.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void writeUpstream(HttpContent content) {
    Attempt a = attempt;
    Channel up = a.lease.channel();
    up.writeAndFlush(content)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                a.touch();
                if (!requestComplete) {
                  downstream.readMore();
                }
              }
            });
  }

  /** One try at one upstream host. Retries make new attempts; at most one is current. */
  private final class Attempt {
    final int number;
    final SelectedHost host;
    final AttemptSpan attemptSpan;
    final long startNanos;
    UpstreamLease lease;
    boolean pendingSlot;
    boolean requestSlot = true;
    int sentChunks;
    boolean ended;
    ScheduledFuture<?> perTryTimer;
    ScheduledFuture<?> perTryIdleTimer;
    long lastUpstreamActivity;

    Attempt(int number, SelectedHost host, AttemptSpan attemptSpan) {
      this.number = number;
      this.host = host;
      this.attemptSpan = attemptSpan;
      this.startNanos = context.ticker().nanoTime();
    }

    boolean current() {
      return attempt == this && !finished;
    }

    void onLease(Future<UpstreamLease> acquired) {
      releasePending();
      if (!acquired.isSuccess()) {
        if (!current()) {
          return;
        }
        boolean timedOut = acquired.cause() instanceof ConnectTimeoutException;
        end(UpstreamOutcome.CONNECT_FAILURE, false);
        flags.add(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
        onAttemptFailed(
            retryState.shouldRetryReset(
                timedOut ? ResetReason.CONNECTION_TIMEOUT : ResetReason.CONNECTION_FAILURE, false),
            () -> {
              route = null;
              localReply(
                  503,
                  "upstream connect error or disconnect/reset before headers. reset reason:"
                      + " connection failure",
                  "upstream_reset_before_response_started{connection_failure}");
            });
        return;
      }
      UpstreamLease l = acquired.getNow();
      if (!current()) {
        l.release(true);
        return;
      }
      lease = l;
      Channel up = l.channel();
      l.attach(new UpstreamHandler(this));
      // Nothing listens to these writes: a void promise saves a promise per write, and a failed
      // write reaches UpstreamHandler.exceptionCaught, which closes the connection (a reset).
      up.write(upstreamRequest(), up.voidPromise());
      if (buffering) {
        for (HttpContent c : body) {
          up.write(c.retainedDuplicate(), up.voidPromise());
        }
        sentChunks = body.size();
      } else {
        for (HttpContent c : body) {
          up.write(c, up.voidPromise());
        }
        body.clear();
      }
      up.flush();
      up.read();
      touch();
      if (requestComplete) {
        startPerTryTimer();
      } else {
        downstream.readMore();
      }
    }

    /** Upstream activity for {@code per_try_idle_timeout}; arms its one timer on first use. */
    void touch() {
      lastUpstreamActivity = context.ticker().nanoTime();
      Optional<Duration> idle =
          route == null ? Optional.empty() : route.policy().retryPolicy().perTryIdleTimeout();
      if (idle.isPresent() && perTryIdleTimer == null && !ended) {
        schedulePerTryIdleCheck(idle.get().toNanos());
      }
    }

    private void schedulePerTryIdleCheck(long delayNanos) {
      perTryIdleTimer =
          downstream
              .eventLoop()
              .schedule(this::onPerTryIdleCheck, delayNanos, TimeUnit.NANOSECONDS);
    }

    private void onPerTryIdleCheck() {
      if (!current() || ended) {
        return;
      }
      long timeout = route.policy().retryPolicy().perTryIdleTimeout().orElseThrow().toNanos();
      long left = timeout - (context.ticker().nanoTime() - lastUpstreamActivity);
      if (left > 0) {
        schedulePerTryIdleCheck(left);
        return;
      }
      context.stats().downstreamRqTimeout.inc();
      end(UpstreamOutcome.TIMEOUT, false);
      if (responseStarted) {
        // Envoy resets a stream whose upstream went quiet mid-response.
        flags.add(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
        responseCodeDetails = "upstream_per_try_idle_timeout";
        downstream.reset();
        finish();
        return;
      }
      onAttemptFailed(
          retryState.shouldRetryReset(ResetReason.LOCAL_RESET, true),
          () -> {
            flags.add(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
            route = null;
            timeoutReply("upstream_per_try_idle_timeout");
          });
    }

    private HttpRequest upstreamRequest() {
      // A request that may be sent again keeps its own headers pristine; a single-shot one
      // (no retry possible) is sent as it is, saving a header copy per request.
      HttpHeaders headers = buffering ? request.headers().copy() : request.headers();
      attemptSpan.injectInto(headers);
      long expected = expectedTimeoutMillis();
      if (expected > 0) {
        headers.set(EXPECTED_TIMEOUT_HEADER, Long.toString(expected));
      }
      DefaultHttpRequest out =
          new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(), headers);
      if (requestBodyExpected && !HttpUtil.isContentLengthSet(out)) {
        HttpUtil.setTransferEncodingChunked(out, true);
      }
      return out;
    }

    /**
     * What Envoy's router announces to the upstream (FilterUtility::setTimeoutHeaders, which runs
     * unless the router's suppress_envoy_headers — not honoured here — is set): the per-try
     * timeout, else the route timeout, never more than what a retry has left of the route timeout;
     * 0 (no header) when both are off. The first attempt counts no elapsed time, as in Envoy.
     */
    private long expectedTimeoutMillis() {
      long global = timeouts.global().toMillis();
      long expected = timeouts.perTry().map(Duration::toMillis).orElse(global);
      if (expected > 0 && global > 0) {
        long elapsed =
            number == 1 || requestCompleteNanos == 0
                ? 0
                : TimeUnit.NANOSECONDS.toMillis(context.ticker().nanoTime() - requestCompleteNanos);
        expected = elapsed >= global ? 1 : Math.min(expected, global - elapsed);
      }
      return expected;
    }

    void releasePending() {
      if (pendingSlot) {
        pendingSlot = false;
        breakers.pendingRequests().release();
      }
    }

    void startPerTryTimer() {
      Optional<Duration> perTry = route == null ? Optional.empty() : timeouts.perTry();
      if (perTry.isEmpty() || perTryTimer != null || ended) {
        return;
      }
      perTryTimer =
          downstream
              .eventLoop()
              .schedule(this::onPerTryTimeout, perTry.get().toNanos(), TimeUnit.NANOSECONDS);
    }

    private void onPerTryTimeout() {
      if (!current() || responseStarted) {
        return;
      }
      context.stats().downstreamRqTimeout.inc();
      end(UpstreamOutcome.TIMEOUT, false);
      onAttemptFailed(
          retryState.shouldRetryReset(ResetReason.LOCAL_RESET, true),
          () -> {
            flags.add(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
            route = null;
            timeoutReply("upstream_per_try_timeout");
          });
    }

    /** Ends this attempt once: slots, timers, stats, span and the lease. */
    void end(UpstreamOutcome outcome, boolean reusable) {
      if (ended) {
        return;
      }
      ended = true;
      flushDownstream(); // the upstream handler goes now: its read-complete flush will not come
      if (perTryTimer != null) {
        perTryTimer.cancel(false);
      }
      if (perTryIdleTimer != null) {
        perTryIdleTimer.cancel(false);
      }
      releasePending();
      if (requestSlot) {
        requestSlot = false;
        breakers.requests().release();
      }
      cluster.requestEnded(host, outcome);
      attemptSpan.finish(
          new AttemptOutcome(
              downstream.protocol(),
              Optional.of(host.address()),
              responseCode,
              ResponseFlags.of(flags).toShortString()));
      if (lease != null) {
        UpstreamLease l = lease;
        lease = null;
        l.release(reusable); // events after this find the attempt ended and are ignored
      }
    }
  }

  // ---------------------------------------------------------------- upstream events

  /** Receives one attempt's response on the upstream channel (same event loop). */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    private final Attempt owner;

    /** Whether the last socket read produced a message; if not, the codec needs more bytes. */
    private boolean delivered;

    private boolean upstreamKeepAlive = true;

    UpstreamHandler(Attempt owner) {
      this.owner = owner;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      flushDownstream();
      if (!delivered && !responseComplete && owner.current()) {
        ctx.read();
      }
      delivered = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!owner.current()) {
        ReferenceCountUtil.release(msg);
        return;
      }
      delivered = true;
      owner.touch();
      armIdleTimer();
      if (msg instanceof HttpResponse response) {
        if (response.status().code() == 100) {
          ReferenceCountUtil.release(msg);
          ctx.read();
          return;
        }
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        if (!onResponseHeaders(ctx, owner, response)) {
          ReferenceCountUtil.release(msg);
          return; // retried: this response is dropped
        }
      }
      if (msg instanceof HttpContent content) {
        onResponseContent(ctx, owner, content, upstreamKeepAlive);
      } else if (!(msg instanceof HttpResponse)) {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onUpstreamReset(owner);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /** Returns false when the response was turned into a retry and must not be forwarded. */
  private boolean onResponseHeaders(ChannelHandlerContext ctx, Attempt a, HttpResponse response) {
    int status = response.status().code();
    HttpHeaders h = response.headers();
    cluster.responseReceived(a.host, status);
    RetryStatus retry =
        h.contains("grpc-status")
            ? retryState.shouldRetryGrpcStatus(RetryState.grpcStatusOf(h))
            : retryState.shouldRetryHeaders(status, h);
    if (retry == RetryStatus.YES) {
      responseCode = status;
      a.end(UpstreamOutcome.CANCELLED, false);
      scheduleRetry();
      return false;
    }
    retry.responseFlag().ifPresent(flags::add);
    if (a.perTryTimer != null) {
      a.perTryTimer.cancel(false);
    }
    responseStarted = true;
    firstResponseByteNanos = context.ticker().nanoTime();
    responseCode = status;
    responseCodeDetails = "via_upstream";
    HopByHopHeaders.strip(h);
    if (!route.responseHeaderMutations().isEmpty()) {
      route.responseHeaderMutations().apply(h, responseFormatter(h));
    }
    h.set(
        "x-envoy-upstream-service-time",
        Long.toString(TimeUnit.NANOSECONDS.toMillis(firstResponseByteNanos - a.startNanos)));
    decorateResponse(h);
    HttpResponse out =
        response instanceof FullHttpResponse
            ? response
            : new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status(), h);
    boolean bodyless = headRequest || status == 204 || status == 304 || status < 200;
    if (!bodyless && !HttpUtil.isContentLengthSet(out) && !(out instanceof FullHttpResponse)) {
      frameForDownstream(out);
    }
    responseHeaders = h;
    if (!(out instanceof HttpContent)) {
      // Flushed at the end of this upstream read (UpstreamHandler.channelReadComplete) or by the
      // body write, whichever comes first: a response read in one batch leaves in one send.
      downstreamUnflushed = true;
      downstream
          .writeUnflushed(out)
          .addListener(
              f -> {
                if (f.isSuccess() && !finished) {
                  ctx.read();
                }
              });
    }
    return true;
  }

  private void onResponseContent(
      ChannelHandlerContext ctx, Attempt a, HttpContent content, boolean upstreamKeepAlive) {
    bytesSent += content.content().readableBytes();
    boolean last = content instanceof LastHttpContent;
    if (content instanceof FullHttpResponse full) {
      if (!HttpUtil.isContentLengthSet(full) && !HttpUtil.isTransferEncodingChunked(full)) {
        HttpUtil.setContentLength(full, full.content().readableBytes());
      }
      downstreamUnflushed = false;
      downstream.writeAndForget(full);
    } else {
      if (last) {
        responseTrailers = ((LastHttpContent) content).trailingHeaders();
      }
      // A chunk in the middle waits for the end of the upstream read like the headers do; the
      // last one flushes everything, since the upstream handler leaves right after it. The next
      // upstream read is asked for once the chunk is on the downstream socket (backpressure).
      downstreamUnflushed = !last;
      if (last) {
        downstream.writeAndForget(content); // nothing waits for it: no future needed
      } else {
        downstream
            .writeUnflushed(content)
            .addListener(
                f -> {
                  if (f.isSuccess() && !finished) {
                    ctx.read();
                  }
                });
      }
    }
    if (last) {
      responseComplete = true;
      a.end(UpstreamOutcome.COMPLETED, requestComplete && upstreamKeepAlive);
      if (requestComplete) {
        complete();
      } else {
        // Envoy finishes the stream once the response is done; the rest of the body is drained.
        downstream.readMore();
      }
    }
  }

  private void flushDownstream() {
    if (downstreamUnflushed) {
      downstreamUnflushed = false;
      downstream.flush();
    }
  }

  private void frameForDownstream(HttpResponse out) {
    if ("HTTP/1.0".equals(downstream.protocol())) {
      clientWantsClose = true; // close-delimited body
    } else if (!"HTTP/2".equals(downstream.protocol())) {
      HttpUtil.setTransferEncodingChunked(out, true);
    }
  }

  private void onUpstreamReset(Attempt a) {
    if (!a.current() || responseComplete || a.ended) {
      return;
    }
    a.end(UpstreamOutcome.UPSTREAM_RESET, false);
    if (!responseStarted) {
      onAttemptFailed(
          retryState.shouldRetryReset(ResetReason.CONNECTION_TERMINATION, true),
          () -> {
            flags.add(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
            route = null;
            localReply(
                503,
                "upstream connect error or disconnect/reset before headers. reset reason:"
                    + " connection termination",
                "upstream_reset_before_response_started{connection_termination}");
          });
    } else {
      flags.add(ResponseFlag.UPSTREAM_REMOTE_RESET);
      responseCodeDetails = "upstream_reset_after_response_started{remote_reset}";
      downstream.reset();
      finish();
    }
  }

  // ---------------------------------------------------------------- timers

  private void startRouteTimer() {
    if (route == null || timeouts.globalDisabled() || routeTimerArmed || finished) {
      return;
    }
    routeTimerArmed = true;
    downstream
        .routeTimer()
        .arm(context.ticker().nanoTime() + timeouts.global().toNanos(), routeTimeout);
  }

  private void onRouteTimeout() {
    if (finished || responseComplete) {
      return;
    }
    flags.add(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    context.stats().downstreamRqTimeout.inc();
    cancelRetry();
    if (attempt != null) {
      attempt.end(UpstreamOutcome.TIMEOUT, false);
    }
    if (!responseStarted) {
      route = null;
      timeoutReply("upstream_response_timeout");
    } else {
      responseCodeDetails = "upstream_response_timeout";
      downstream.reset();
      finish();
    }
  }

  private void cancelRetry() {
    if (retryTimer != null) {
      retryTimer.cancel(false);
      retryTimer = null;
    }
    if (faultTimer != null) {
      faultTimer.cancel(false);
      faultTimer = null;
    }
  }

  /**
   * Notes activity for the stream idle timeout: moves the deadline, which schedules nothing while a
   * pending check of the connection's timer comes earlier (see {@link DeadlineTimer}).
   */
  private void armIdleTimer() {
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
    flags.add(ResponseFlag.STREAM_IDLE_TIMEOUT);
    context.stats().downstreamRqIdleTimeout.inc();
    cancelRetry();
    if (attempt != null) {
      attempt.end(UpstreamOutcome.TIMEOUT, false);
    }
    if (!responseStarted) {
      route = null;
      clientWantsClose = true;
      localReply(408, "stream timeout", "stream_idle_timeout");
    } else {
      downstream.reset();
      finish();
    }
  }

  // ---------------------------------------------------------------- local replies and headers

  private FormatterContext responseFormatter(HttpHeaders headers) {
    return new FormatterContext.Snapshot(
        Optional.ofNullable(downstream.remoteAddress()),
        Optional.ofNullable(downstream.localAddress()),
        Optional.ofNullable(lastHost == null ? null : lastHost.address()),
        downstream.protocol(),
        request == null ? EmptyHttpHeaders.INSTANCE : request.headers(),
        headers);
  }

  /** A circuit breaker refused the request: 503, {@code x-envoy-overloaded}, flag UO. */
  private void overloaded(String details) {
    flags.add(ResponseFlag.UPSTREAM_OVERFLOW);
    route = null;
    FullHttpResponse r = LocalReply.build(downstream.alloc(), 503, "upstream overflow", grpc);
    r.headers().set(OVERLOADED_HEADER, "true");
    sendLocal(r, details);
  }

  /** 504, or 204 without a body when the request asked for it (Envoy's alt response). */
  private void timeoutReply(String details) {
    int status = timeouts.timeoutStatus();
    localReply(status, status == 504 ? "upstream request timeout" : "", details);
  }

  private void localReply(int status, String body, String details) {
    sendLocal(LocalReply.build(downstream.alloc(), status, body, grpc), details);
  }

  private void sendLocal(FullHttpResponse r, String details) {
    releaseBody();
    cancelRetry();
    responseStarted = true;
    responseComplete = true;
    responseCode = r.status().code();
    responseCodeDetails = details;
    boolean http2 = "HTTP/2".equals(downstream.protocol());
    if (!requestComplete && requestBodyExpected) {
      // The rest of the body is not wanted; close rather than read and discard it (Envoy closes an
      // HTTP/1 connection it answered before the request ended). Decided before the headers are
      // written so the reply says "connection: close" and the client does not reuse it.
      clientWantsClose = clientWantsClose || !http2;
    }
    decorateResponse(r.headers());
    responseHeaders = r.headers();
    bytesSent += r.content().readableBytes();
    if (headRequest) {
      r.content().clear();
    }
    downstream.writeAndForget(r);
    if (requestComplete || requestBodyExpected || http2 || clientWantsClose) {
      complete();
    }
    // Else an HTTP/1 request without a body: its end follows its headers at once, and arriving
    // (onRequestContent) completes the exchange on a connection that stays open.
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
    if (clientWantsClose && !"HTTP/2".equals(downstream.protocol())) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  /**
   * The connection manager's header work, in Envoy's order: trust ({@code x-forwarded-*}, {@code
   * x-envoy-internal}, the {@code x-envoy-*} control headers), then {@code
   * x-forwarded-client-cert}, then {@code x-request-id}.
   */
  private void applyForwardingHeaders(HttpHeaders h) {
    origin = hcm.trust().apply(h, downstream.remoteAddress(), downstream.scheme());
    hcm.forwardClientCert().apply(h, downstream.tls());
    if (origin.edge() && !hcm.preserveExternalRequestId()) {
      h.remove("x-request-id");
    }
    requestId = h.get("x-request-id");
    if ((requestId == null || requestId.isEmpty()) && hcm.generateRequestId()) {
      requestId = RequestIds.uuid4(context.random());
      h.set("x-request-id", requestId);
    }
  }

  // ---------------------------------------------------------------- completion

  private void releaseBody() {
    for (HttpContent c : body) {
      ReferenceCountUtil.release(c);
    }
    body.clear();
    bufferedBytes = 0;
  }

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
    if (routeTimerArmed) {
      downstream.routeTimer().clear(routeTimeout);
    }
    if (idleTimerArmed) {
      downstream.streamIdleTimer().clear(streamIdleTimeout);
    }
    cancelRetry();
    if (attempt != null) {
      attempt.end(UpstreamOutcome.CANCELLED, false);
    }
    if (retryState != null) {
      retryState.finish();
    }
    if (gateAdmitted) {
      cluster
          .gate()
          .onResult(
              responseCode > 0
                  && responseCode < 500
                  && !flags.contains(ResponseFlag.UPSTREAM_REMOTE_RESET));
    }
    fault.streamEnded();
    releaseBody();
    context.stats().downstreamRqActive.dec();
    if (responseCode > 0) {
      context.stats().responseCode(responseCode);
      context.stats().downstreamRqCompleted.inc();
    }
    if (span != RequestSpan.NOOP) {
      String shortFlags = ResponseFlags.of(flags).toShortString();
      RequestOutcome outcome =
          RequestOutcome.of(responseCode, shortFlags, bytesReceived, bytesSent)
              .withResponse(responseHeaders, responseTrailers);
      span.finish(cluster == null ? outcome : outcome.withUpstreamCluster(cluster.name()));
    }
    if (!context.accessLog().isEmpty()) {
      context.accessLog().log(accessLogEntry());
    }
  }

  private AccessLogEntry accessLogEntry() {
    long now = context.ticker().nanoTime();
    HttpHeaders reqHeaders = request == null ? EmptyHttpHeaders.INSTANCE : request.headers();
    HttpHeaders respHeaders = responseHeaders;
    HttpHeaders trailers = responseTrailers;
    String m = method;
    String p = path;
    String a = authority;
    String sch = scheme;
    HeaderLookup requestLookup =
        name ->
            Optional.ofNullable(
                switch (name) {
                  case ":method" -> m;
                  case ":path" -> p;
                  case ":authority" -> a;
                  case ":scheme" -> sch;
                  default -> reqHeaders.get(name);
                });
    AccessLogEntry.Builder b =
        AccessLogEntry.builder()
            .startTime(startTime)
            .duration(Duration.ofNanos(now - startNanos))
            .protocol(downstream.protocol())
            .requestHeaders(requestLookup)
            .responseHeaders(name -> Optional.ofNullable(respHeaders.get(name)))
            .responseTrailers(name -> Optional.ofNullable(trailers.get(name)))
            .responseCode(responseCode)
            .responseCodeDetails(responseCodeDetails)
            .responseFlags(ResponseFlags.of(flags))
            .bytesReceived(bytesReceived)
            .bytesSent(bytesSent)
            .upstreamRequestAttemptCount(attempts)
            .downstreamRemoteAddress(downstream.remoteAddress())
            .downstreamLocalAddress(downstream.localAddress());
    if (requestComplete) {
      b.requestDuration(Duration.ofNanos(requestCompleteNanos - startNanos));
    }
    if (firstResponseByteNanos > 0) {
      b.responseDuration(Duration.ofNanos(firstResponseByteNanos - startNanos));
    }
    if (cluster != null) {
      b.upstreamCluster(cluster.name());
    }
    if (lastHost != null) {
      b.upstreamHost(lastHost.address());
    }
    if (routeName != null) {
      b.routeName(routeName);
    }
    return b.build();
  }

  boolean isFinished() {
    return finished;
  }

  /** For the connection: did this exchange consume its whole request? */
  boolean requestComplete() {
    return requestComplete;
  }
}
