package io.attache.dataplane.filter.router;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.http.Http1Upgrade;
import io.attache.dataplane.outlier.BreakerGate;
import io.attache.dataplane.pool.HostConnectionPool;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.retry.ResetReason;
import io.attache.dataplane.retry.RetryState;
import io.attache.dataplane.retry.RetryStatus;
import io.attache.dataplane.router.RequestMirrorPolicy;
import io.attache.dataplane.router.RequestTimeouts;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.trust.LocalAddress;
import io.attache.dataplane.upstream.lb.LbContext;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The terminal HTTP filter (Envoy's router): acts on the route — local answers for no route, direct
 * responses and redirects, otherwise forwarding to the route's cluster — and runs upstream
 * attempts, one {@link UpstreamRequest} each, on hosts from the load balancer and through the
 * cluster's circuit breakers, retrying per the route's retry policy with jittered back-off, under
 * the route timeout. Streams the request body up and the chosen response down with backpressure.
 * Lives on the stream's event loop; never blocks it.
 */
final class RouterFilter implements StreamDecoderFilter, RouterFilterInterface {
  private static final String X_ENVOY_ORIGINAL_HOST = "x-envoy-original-host";

  private static final String OVERLOADED_HEADER = "x-envoy-overloaded";
  private static final String INTERNAL_HEADER = "x-envoy-internal";

  private final RouterFilterFactory shared;
  private StreamDecoderFilterCallbacks callbacks;
  private StreamInfo info;
  private final RequestBody body = new RequestBody();
  private final Runnable routeTimeout = this::onRouteTimeout;
  private final Runnable readUpstream = this::readUpstream;

  private HttpRequest request;
  private RouteDecision.Forward route;
  private RequestTimeouts timeouts;
  private ClusterHandle cluster;
  private ResourceManager breakers;
  private RetryState retryState;
  private boolean gateAdmitted;
  private UpstreamRequest attempt;
  private ChannelHandlerContext upstreamReader;
  private io.attache.dataplane.time.Scheduler.ScheduledTask retryTimer;
  private boolean requestBodyExpected;

  /**
   * An upgrade the connection manager accepted, or a CONNECT: forwarded whole, never retried or
   * mirrored.
   */
  private boolean upgrade;

  /** The request is a CONNECT (HTTP/1.1 authority-form, or HTTP/2 {@code :method CONNECT}). */
  private boolean connect;

  /**
   * The route terminates this request's tunnel (its {@code connect_config}, Envoy's TCP upstream):
   * a raw TCP connection to the cluster, a 200 from the router once it is up, the stream's bytes
   * both ways.
   */
  private boolean terminating;

  /** The current attempt's pool hands out HTTP/1.1 connections, which can leave HTTP. */
  private boolean upstreamCarriesRawBytes;

  private boolean requestComplete;
  private long requestCompleteNanos;
  private boolean routeTimerArmed;
  private boolean responseStarted;
  private boolean responseComplete;
  private boolean destroyed;
  private List<ShadowRequest> shadows = List.of();
  private boolean shadowAbandonCounted;

  RouterFilter(RouterFilterFactory shared) {
    this.shared = shared;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
    this.info = callbacks.streamInfo();
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest req, boolean endStream) {
    shared.stats.rqTotal.inc();
    this.request = req;
    connect = HttpMethod.CONNECT.equals(req.method());
    upgrade = connect || Http1Upgrade.carried(req.headers());
    if (req instanceof FullHttpRequest full) {
      requestBodyExpected = full.content().isReadable();
      body.add(new DefaultLastHttpContent(full.content(), full.trailingHeaders()));
      markRequestComplete();
    } else if (endStream) {
      body.add(LastHttpContent.EMPTY_LAST_CONTENT); // ends the upstream message
      markRequestComplete();
    } else {
      requestBodyExpected = true;
    }
    RouteDecision decision = callbacks.route();
    if (decision instanceof RouteDecision.Forward forward) {
      forward(forward);
    } else {
      LocalAnswers.answer(decision, shared.stats, callbacks);
    }
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent content, boolean endStream) {
    boolean last = content instanceof LastHttpContent;
    if (!shadows.isEmpty()) {
      copyToShadows(content, last);
    }
    if (last) {
      markRequestComplete();
      startRouteTimer();
    }
    UpstreamRequest a = attempt;
    boolean leased = a != null && a.hasLease();
    if (body.overflows(content)) {
      stopBuffering();
    }
    if (body.buffering()) {
      body.keep(content);
      if (leased) {
        a.sentChunks++;
        writeUpstream(content.retainedDuplicate());
      }
    } else if (leased) {
      writeUpstream(content);
    } else {
      body.add(content);
    }
    if (last && leased) {
      a.startPerTryTimer();
    }
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  private void markRequestComplete() {
    requestComplete = true;
    requestCompleteNanos = shared.context.ticker().nanoTime();
  }

  // ---------------------------------------------------------------- forwarding

  private void forward(RouteDecision.Forward forward) {
    info.setRouteName(forward.policy().routeName());
    cluster = shared.context.clusters().apply(forward.cluster());
    if (cluster == null) {
      shared.stats.noCluster.inc();
      info.addFlag(ResponseFlag.NO_CLUSTER_FOUND);
      callbacks.sendLocalReply(forward.policy().clusterNotFoundStatus(), "", "cluster_not_found");
      return;
    }
    this.route = forward;
    terminating =
        forward
            .policy()
            .connectConfig()
            .map(c -> c.terminates(request.method().name()))
            .orElse(false);
    info.setUpstreamCluster(cluster.name());
    forward.policy().idleTimeout().ifPresent(callbacks::setStreamIdleTimeout);
    // Before the route's header rewrites, as in Envoy (FilterUtility::finalTimeout).
    timeouts = RequestTimeouts.resolve(forward.policy(), request.headers());
    UpstreamHeaders.finalizeRequest(forward, request, callbacks.connection());
    breakers = cluster.breakers(forward.policy().priority());
    retryState =
        RetryState.create(
            forward.policy().retryPolicy(),
            request,
            callbacks.connection().scheme(),
            cluster.retryContext(forward.policy().priority()));
    RetryState.consumeRetryHeaders(request.headers());
    // An upgrade's (or a terminated tunnel's) body is the tunnel: it is never kept for a replay.
    boolean buffer =
        !tunnel() && retryState.bodyBuffering() == RetryState.BodyBuffering.BUFFER_FOR_REPLAY;
    int limit =
        forward
            .policy()
            .perRequestBufferLimitBytes()
            .orElse((int) Math.min(Integer.MAX_VALUE, callbacks.decoderBufferLimit()));
    if (!body.startBuffering(buffer, limit)) {
      stopBuffering();
    }
    if (requestComplete) {
      startRouteTimer();
    }
    if (cluster.gate().tryAdmit() != BreakerGate.Admission.ADMIT) {
      // The strict breaker is OPEN (or its one probe is in flight): fail fast, no network.
      info.addFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
      localReply(503, "no healthy upstream", "attache_breaker_open");
      return;
    }
    gateAdmitted = true;
    if (!tunnel()) {
      startShadows();
    }
    startAttempt();
  }

  /**
   * Envoy's request mirroring: for each of the route's mirror policies this request is admitted by
   * (one random draw for all of them, as Envoy uses the stream's stable random), a shadow of the
   * request as the route finalised it goes to the policy's cluster, with {@code -shadow} on its
   * authority. A cluster that does not exist is skipped, as Envoy's shadow writer does.
   */
  private void startShadows() {
    List<RequestMirrorPolicy> policies = route.policy().requestMirrorPolicies();
    if (policies.isEmpty()) {
      return;
    }
    long random = shared.context.random().nextLong();
    List<ShadowRequest> started = new ArrayList<>(policies.size());
    for (RequestMirrorPolicy policy : policies) {
      if (!policy.admits(random)) {
        continue;
      }
      ClusterHandle shadowCluster =
          policy.clusterFor(request.headers()).map(shared.context.clusters()).orElse(null);
      if (shadowCluster == null) {
        continue;
      }
      ShadowRequest shadow =
          new ShadowRequest(
              shadowCluster,
              route.policy().priority(),
              ShadowRequest.head(
                  request,
                  policy.shadowAuthority(request.headers().get(HttpHeaderNames.HOST, "")),
                  LocalAddress.get(),
                  timeouts.globalDisabled() ? 0 : timeouts.global().toMillis()),
              callbacks.eventLoop(),
              callbacks.connection().http2(),
              callbacks.scheduler(),
              timeouts.globalDisabled() ? Duration.ZERO : timeouts.global(),
              route.policy().perRequestBufferLimitBytes().orElse(RequestBody.DEFAULT_BUFFER_LIMIT));
      if (request instanceof FullHttpRequest full) {
        if (!shadow.onBody(full.content())) {
          shadowAbandoned();
        }
        shadow.onTrailers(full.trailingHeaders());
      }
      started.add(shadow);
    }
    shadows = started;
    if (requestComplete) {
      shadows.forEach(ShadowRequest::send);
    }
  }

  /**
   * Envoy keeps one buffer for replay and shadowing: when the body outgrows it, both are abandoned
   * and {@code retry_or_shadow_abandoned} counts the request once.
   */
  private void shadowAbandoned() {
    if (shadowAbandonCounted) {
      return;
    }
    shadowAbandonCounted = true;
    if (retryState.bodyBuffering() == RetryState.BodyBuffering.BUFFER_FOR_REPLAY) {
      retryState.disableBecauseBodyTooLarge();
    } else {
      cluster.retryContext(route.policy().priority()).stats().shadowAbandoned();
    }
  }

  private void copyToShadows(HttpContent content, boolean last) {
    for (ShadowRequest shadow : shadows) {
      if (!shadow.onBody(content.content())) {
        shadowAbandoned();
      }
      if (last) {
        shadow.onTrailers(((LastHttpContent) content).trailingHeaders());
        shadow.send();
      }
    }
  }

  /** What an ORIGINAL_DST cluster picks its host by: the original destination, a header. */
  private LbContext.Downstream lbDownstream() {
    DownstreamConnection connection = callbacks.connection();
    Optional<InetSocketAddress> restored =
        connection.localAddressRestored()
            ? Optional.of(connection.localAddress())
            : Optional.empty();
    return new LbContext.Downstream() {
      @Override
      public Optional<InetSocketAddress> restoredLocalAddress() {
        return restored;
      }

      @Override
      public Optional<String> requestHeader(String name) {
        return Optional.ofNullable(request.headers().get(name));
      }
    };
  }

  /** Stops keeping the body for replay: it no longer fits, so this request will not be retried. */
  private void stopBuffering() {
    retryState.disableBecauseBodyTooLarge();
    body.stopBuffering(attempt == null || !attempt.hasLease() ? 0 : attempt.sentChunks);
  }

  private void startAttempt() {
    retryTimer = null;
    if (destroyed) {
      return;
    }
    SelectedHost host =
        cluster.chooseHost(retryState.lbContext(route.hash()).withDownstream(lbDownstream()));
    if (host == null) {
      cluster.noHealthyUpstream();
      info.addFlag(ResponseFlag.NO_HEALTHY_UPSTREAM);
      localReply(503, "no healthy upstream", "no_healthy_upstream");
      return;
    }
    HostConnectionPool pool =
        terminating
            ? cluster.tcpPool(callbacks.eventLoop(), host)
            : cluster.pool(callbacks.eventLoop(), host, callbacks.connection().http2());
    upstreamCarriesRawBytes = pool.carriesUpgrades();
    // A CONNECT goes to an HTTP/2 upstream as a CONNECT stream (RFC 9113 §8.5); other upgrades
    // would need extended CONNECT.
    if (upgrade && !connect && !terminating && !pool.carriesUpgrades()) {
      // Envoy would send an HTTP/2 extended CONNECT; Attaché does not build it.
      localReply(
          503, "upgrades to an HTTP/2 upstream are not supported", "attache_upgrade_over_http2");
      return;
    }
    if (breakers.requests().tryAcquire() != OverflowDecision.ADMITTED) {
      chargeAbort(503);
      overloaded("upstream_overflow_max_requests");
      return;
    }
    info.setUpstreamHost(host.address());
    retryState.onHostAttempted(host.host());
    if (route.policy().autoHostRewrite()) {
      String original = request.headers().get(HttpHeaderNames.HOST);
      if (info.attemptCount() == 0 && original != null) {
        // Envoy 1.40 keeps the downstream's host; a retry's rewrite keeps the first one.
        request.headers().set(X_ENVOY_ORIGINAL_HOST, original);
      }
      request.headers().set(HttpHeaderNames.HOST, host.hostname());
    }
    int number = info.attemptCount() + 1;
    info.setAttemptCount(number);
    UpstreamRequest a =
        new UpstreamRequest(
            this,
            cluster,
            breakers,
            route.policy().retryPolicy(),
            timeouts.perTry(),
            callbacks.scheduler(),
            shared.context.ticker(),
            number,
            host,
            callbacks.activeSpan().startAttempt(number, cluster.name()));
    attempt = a;
    cluster.requestStarted(host);
    Future<UpstreamLease> acquired = pool.acquire();
    if (acquired.isDone()) {
      a.onLease(acquired);
    } else if (breakers.pendingRequests().tryAcquire() != OverflowDecision.ADMITTED) {
      acquired.addListener(f -> releaseUnwanted(acquired));
      a.end(UpstreamOutcome.CANCELLED, true);
      chargeAbort(503);
      overloaded("upstream_overflow_max_pending_requests");
    } else {
      cluster.requestPending();
      a.holdPendingSlot();
      acquired.addListener(f -> a.onLease(acquired));
    }
  }

  private static void releaseUnwanted(Future<UpstreamLease> acquired) {
    if (acquired.isSuccess()) {
      acquired.getNow().release(true);
    }
  }

  @Override
  public void onUpstreamReady(UpstreamRequest a, Channel up) {
    if (terminating) {
      // Envoy's TcpUpstream: the connection is up, so the tunnel is; what the client sent already
      // goes first, as bytes, and the router answers 200 itself.
      body.writeTo(up, true);
      up.flush();
      if (requestComplete) {
        TunnelBytes.halfClose(up);
      } else {
        callbacks.requestMoreData();
      }
      a.answerForTcp();
      return;
    }
    // Nothing listens to these writes: a void promise saves a promise per write, and a failed write
    // reaches the reader's exceptionCaught, which closes the connection (a reset).
    up.write(
        UpstreamHeaders.forAttempt(
            request,
            a,
            body.buffering(),
            requestBodyExpected && !upgrade,
            expectedTimeoutMillis(a)),
        up.voidPromise());
    int sent = body.writeTo(up, false);
    if (body.buffering()) {
      a.sentChunks = sent;
    }
    up.flush();
    if (requestComplete) {
      a.startPerTryTimer();
    } else {
      callbacks.requestMoreData();
    }
  }

  private void writeUpstream(HttpContent content) {
    UpstreamRequest a = attempt;
    Channel up = a.lease().channel();
    boolean halfClose = a.tunnelled() && content instanceof LastHttpContent;
    up.writeAndFlush(a.tunnelled() ? content.content() : content)
        .addListener(
            f -> {
              if (f.isSuccess()) {
                a.touch();
                if (!requestComplete) {
                  callbacks.requestMoreData();
                }
              }
            });
    if (halfClose) {
      // The client ended its side of the tunnel (an HTTP/2 END_STREAM): FIN after its bytes, while
      // the upstream's side stays open, as Envoy half-closes its TCP upstream.
      TunnelBytes.halfClose(up);
    }
  }

  /** What Envoy's router announces to the upstream in {@code x-envoy-expected-rq-timeout-ms}. */
  private long expectedTimeoutMillis(UpstreamRequest a) {
    return UpstreamHeaders.expectedTimeoutMillis(
        timeouts,
        a.number == 1 || requestCompleteNanos == 0
            ? 0
            : shared.context.ticker().nanoTime() - requestCompleteNanos);
  }

  // ---------------------------------------------------------------- retries and failures

  /** Decides about one failed attempt: retry after back-off, or answer with {@code fallback}. */
  private void onAttemptFailed(RetryStatus status, Runnable fallback) {
    if (status == RetryStatus.YES) {
      scheduleRetry();
      return;
    }
    status.responseFlag().ifPresent(info::addFlag);
    fallback.run();
  }

  private void scheduleRetry() {
    attempt = null;
    Duration backOff = retryState.nextBackOff();
    retryTimer = callbacks.scheduler().schedule(backOff, this::startAttempt);
  }

  @Override
  public void onUpstreamConnectFailure(boolean timedOut) {
    info.addFlag(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
    onAttemptFailed(
        retryState.shouldRetryReset(
            timedOut ? ResetReason.CONNECTION_TIMEOUT : ResetReason.CONNECTION_FAILURE, false),
        () -> {
          chargeAbort(503);
          localReply(
              503,
              "upstream connect error or disconnect/reset before headers. reset reason:"
                  + " connection failure",
              "upstream_reset_before_response_started{connection_failure}");
        });
  }

  @Override
  public void onUpstreamReset() {
    if (responseComplete) {
      return;
    }
    if (!responseStarted) {
      onAttemptFailed(
          retryState.shouldRetryReset(ResetReason.CONNECTION_TERMINATION, true),
          () -> {
            chargeAbort(503);
            info.addFlag(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
            localReply(
                503,
                "upstream connect error or disconnect/reset before headers. reset reason:"
                    + " connection termination",
                "upstream_reset_before_response_started{connection_termination}");
          });
    } else {
      info.addFlag(ResponseFlag.UPSTREAM_REMOTE_RESET);
      info.setResponseCodeDetails("upstream_reset_after_response_started{remote_reset}");
      callbacks.resetStream();
    }
  }

  @Override
  public void onPerTryTimeout() {
    onAttemptFailed(
        retryState.shouldRetryReset(ResetReason.LOCAL_RESET, true),
        () -> {
          chargeAbort(timeouts.timeoutStatus());
          info.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
          timeoutReply("upstream_per_try_timeout");
        });
  }

  @Override
  public void onPerTryIdleTimeout() {
    if (responseStarted) {
      // Envoy resets a stream whose upstream went quiet mid-response.
      info.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
      info.setResponseCodeDetails("upstream_per_try_idle_timeout");
      callbacks.resetStream();
      return;
    }
    onAttemptFailed(
        retryState.shouldRetryReset(ResetReason.LOCAL_RESET, true),
        () -> {
          chargeAbort(timeouts.timeoutStatus());
          info.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
          timeoutReply("upstream_per_try_idle_timeout");
        });
  }

  /**
   * The request's body is a tunnel's bytes: an accepted upgrade, a CONNECT or a terminated POST.
   */
  private boolean tunnel() {
    return upgrade || terminating;
  }

  private void startRouteTimer() {
    // A tunnel's end is no request's end: the route timeout does not apply (idle timeouts do).
    if (route == null || tunnel() || timeouts.globalDisabled() || routeTimerArmed || destroyed) {
      return;
    }
    routeTimerArmed = true;
    callbacks
        .routeTimer()
        .arm(shared.context.ticker().nanoTime() + timeouts.global().toNanos(), routeTimeout);
  }

  private void onRouteTimeout() {
    if (destroyed || responseComplete) {
      return;
    }
    info.addFlag(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    cancelRetry();
    if (attempt != null) {
      attempt.end(UpstreamOutcome.TIMEOUT, false);
      if (!responseStarted) {
        chargeAbort(timeouts.timeoutStatus());
      }
    }
    if (!responseStarted) {
      timeoutReply("upstream_response_timeout");
    } else {
      info.setResponseCodeDetails("upstream_response_timeout");
      callbacks.resetStream();
    }
  }

  /**
   * Charges the local answer to a request whose last try failed before its response started, as
   * Envoy's {@code chargeUpstreamAbort}: the cluster counts it like a response with that code.
   */
  private void chargeAbort(int status) {
    cluster.chargeResponse(status, internalRequest());
  }

  /** Envoy's {@code isEnvoyInternalRequest}: {@code x-envoy-internal: true} survived trust. */
  private boolean internalRequest() {
    return "true".equals(request.headers().get(INTERNAL_HEADER));
  }

  private void cancelRetry() {
    if (retryTimer != null) {
      retryTimer.cancel();
      retryTimer = null;
    }
  }

  /** A circuit breaker refused the request: 503, {@code x-envoy-overloaded}, flag UO. */
  private void overloaded(String details) {
    info.addFlag(ResponseFlag.UPSTREAM_OVERFLOW);
    var r =
        LocalReply.build(
            callbacks.alloc(),
            503,
            "upstream connect error or disconnect/reset before headers. reset reason: overflow",
            callbacks.grpcRequest());
    r.headers().set(OVERLOADED_HEADER, "true");
    callbacks.sendLocalReply(r, details);
  }

  /**
   * 504, or 204 without a body when an internal request asked for it ({@code
   * x-envoy-upstream-rq-timeout-alt-response}).
   */
  private void timeoutReply(String details) {
    int status = timeouts.timeoutStatus();
    localReply(status, status == 504 ? "upstream request timeout" : "", details);
  }

  private void localReply(int status, String text, String details) {
    callbacks.sendLocalReply(status, text, details);
  }

  // ---------------------------------------------------------------- the response

  @Override
  public boolean onUpstreamHeaders(
      UpstreamRequest a, HttpResponse response, ChannelHandlerContext ctx) {
    int status = response.status().code();
    HttpHeaders h = response.headers();
    cluster.responseReceived(a.host, status);
    RetryStatus retry =
        h.contains("grpc-status")
            ? retryState.shouldRetryGrpcStatus(RetryState.grpcStatusOf(h))
            : retryState.shouldRetryHeaders(status, h);
    if (retry == RetryStatus.YES) {
      cluster.chargeRetriedResponse(status);
      info.setResponseCode(status);
      a.end(UpstreamOutcome.CANCELLED, false);
      scheduleRetry();
      return false;
    }
    retry.responseFlag().ifPresent(info::addFlag);
    cluster.chargeResponse(status, internalRequest());
    responseStarted = true;
    upstreamReader = ctx;
    callbacks.setResponseWrittenListener(readUpstream);
    info.setResponseCodeDetails("via_upstream");
    String switchedTo = upgrade && !connect && status == 101 ? Http1Upgrade.requested(h) : null;
    // A CONNECT forwarded to an HTTP/1.1 upstream: its 2xx turns the connection into the tunnel.
    boolean connectEstablished =
        connect && !a.tunnelled() && upstreamCarriesRawBytes && status >= 200 && status < 300;
    HttpResponse out = UpstreamHeaders.forDownstream(response, route, a, callbacks, shared);
    if (switchedTo != null) {
      Http1Upgrade.restore(out.headers(), switchedTo);
    }
    if (!(out instanceof HttpContent)) {
      callbacks.encodeHeaders(out, false); // a full response goes out whole, as its last chunk
    }
    if ((switchedTo != null || connectEstablished) && !destroyed) {
      // After the 101 (or 2xx) went down: bytes the upstream sent behind it follow it, in order.
      a.startTunnel();
    }
    return true;
  }

  private void readUpstream() {
    if (upstreamReader != null && !responseComplete) {
      upstreamReader.read();
    }
  }

  @Override
  public void onUpstreamData(UpstreamRequest a, HttpContent content, boolean upstreamKeepAlive) {
    boolean last = content instanceof LastHttpContent;
    if (last) {
      responseComplete = true;
      if (requestComplete) {
        cluster.responseTime(
            TimeUnit.NANOSECONDS.toMillis(
                shared.context.ticker().nanoTime() - requestCompleteNanos));
      }
      a.end(UpstreamOutcome.COMPLETED, requestComplete && upstreamKeepAlive);
      if (content instanceof HttpResponse full) {
        callbacks.encodeHeaders(full, true);
      } else {
        callbacks.encodeData(content, true);
      }
    } else {
      callbacks.encodeData(content, false);
    }
  }

  // ---------------------------------------------------------------- RouterFilterInterface

  @Override
  public boolean isCurrent(UpstreamRequest a) {
    return attempt == a && !destroyed;
  }

  @Override
  public void onUpstreamActivity() {
    callbacks.onStreamActivity();
  }

  @Override
  public void flushDownstream() {
    callbacks.flushResponse();
  }

  @Override
  public boolean responseStarted() {
    return responseStarted;
  }

  @Override
  public boolean responseComplete() {
    return responseComplete;
  }

  @Override
  public StreamInfo streamInfo() {
    return info;
  }

  @Override
  public String downstreamProtocol() {
    return callbacks.connection().protocol();
  }

  @Override
  public void onDestroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    if (routeTimerArmed) {
      callbacks.routeTimer().clear(routeTimeout);
    }
    cancelRetry();
    if (attempt != null) {
      attempt.end(
          info.hasFlag(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION)
              ? UpstreamOutcome.LOCAL_RESET
              : UpstreamOutcome.CANCELLED,
          false);
    }
    if (retryState != null) {
      retryState.finish();
    }
    if (gateAdmitted) {
      int code = info.responseCode();
      cluster
          .gate()
          .onResult(code > 0 && code < 500 && !info.hasFlag(ResponseFlag.UPSTREAM_REMOTE_RESET));
    }
    body.release();
    shadows.forEach(ShadowRequest::cancel);
  }
}
