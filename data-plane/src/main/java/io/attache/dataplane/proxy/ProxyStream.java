package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLogEntry;
import io.attache.dataplane.accesslog.HeaderLookup;
import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.accesslog.ResponseFlags;
import io.attache.dataplane.listener.HttpConnectionManagerConfig;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.proxy.ClusterHandle.SelectedHost;
import io.attache.dataplane.proxy.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.RequestContext;
import io.attache.dataplane.router.RouteDecision;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
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
import java.util.ArrayDeque;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

/**
 * One request/response exchange through the proxy: routes the request, borrows an upstream stream,
 * streams the body both ways with backpressure, enforces the route and idle timeouts, and answers
 * locally (with Envoy's status codes and response flags) when it cannot forward. Lives on the
 * downstream connection's event loop and must never block it.
 */
final class ProxyStream {
  private static final String UPSTREAM_HANDLER = "attache-upstream-exchange";

  private final ListenerContext context;
  private final HttpConnectionManagerConfig hcm;
  private final DownstreamSink downstream;
  private final long startNanos;
  private final Instant startTime;
  private final EnumSet<ResponseFlag> flags = EnumSet.noneOf(ResponseFlag.class);
  private String scheme = "http";

  private HttpRequest request;
  private String method = "-";
  private String path = "-";
  private String authority = "-";
  private boolean grpc;
  private boolean headRequest;
  private boolean clientWantsClose;
  private boolean requestBodyExpected;
  private String requestId;
  private String routeName;
  private RouteDecision.Forward route;
  private ClusterHandle cluster;
  private SelectedHost host;
  private UpstreamLease lease;
  private final ArrayDeque<HttpContent> pendingBody = new ArrayDeque<>();
  private boolean requestComplete;
  private boolean responseStarted;
  private boolean responseComplete;
  private boolean finished;
  private boolean upstreamUsable = true;
  private long upstreamStartNanos;
  private long requestCompleteNanos;
  private long firstResponseByteNanos;
  private int responseCode;
  private String responseCodeDetails = "-";
  private HttpHeaders responseHeaders = new DefaultHttpHeaders();
  private HttpHeaders responseTrailers = new DefaultHttpHeaders();
  private long bytesReceived;
  private long bytesSent;
  private ScheduledFuture<?> routeTimer;
  private ScheduledFuture<?> idleTimer;
  private Duration idleTimeout;

  ProxyStream(ListenerContext context, DownstreamSink downstream) {
    this.context = context;
    this.hcm = context.hcm();
    this.downstream = downstream;
    this.startNanos = context.ticker().nanoTime();
    this.startTime = Instant.now();
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
    clientWantsClose = "HTTP/2".equals(downstream.protocol()) ? false : !HttpUtil.isKeepAlive(req);
    armIdleTimer();

    if (HttpUtil.is100ContinueExpected(req)) {
      // Envoy answers 100-continue itself and does not forward the expectation.
      h.remove(HttpHeaderNames.EXPECT);
      downstream.write(
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
    if (req instanceof FullHttpRequest full) {
      // HTTP/2 headers with END_STREAM (or a decoder that aggregated): the whole request is here.
      bytesReceived += full.content().readableBytes();
      pendingBody.add(stripFull(full));
      requestComplete = true;
      requestCompleteNanos = context.ticker().nanoTime();
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
      if (requestComplete) {
        startRouteTimer();
      }
    }
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
      // A local reply was sent; drain and drop the rest of the request.
      ReferenceCountUtil.release(content);
      if (!last) {
        downstream.readMore();
      } else if (responseComplete) {
        complete();
      }
      return;
    }
    if (lease == null) {
      pendingBody.add(content);
      return;
    }
    writeUpstream(content);
  }

  /** The downstream connection or stream went away before we finished. */
  void onDownstreamClosed() {
    if (finished) {
      return;
    }
    flags.add(ResponseFlag.DOWNSTREAM_CONNECTION_TERMINATION);
    context.stats().downstreamCxDestroyRemote.inc();
    endUpstream(UpstreamOutcome.LOCAL_RESET, false);
    finish();
  }

  // ---------------------------------------------------------------- forwarding

  private void forward(RouteDecision.Forward forward) {
    this.route = forward;
    routeName = forward.policy().routeName();
    cluster = context.clusters().apply(forward.cluster());
    if (cluster == null) {
      context.stats().noCluster.inc();
      flags.add(ResponseFlag.NO_CLUSTER_FOUND);
      route = null;
      localReply(forward.policy().clusterNotFoundStatus(), "", "cluster_not_found");
      return;
    }
    host = cluster.chooseHost(forward.hash());
    if (host == null) {
      flags.add(ResponseFlag.NO_HEALTHY_UPSTREAM);
      route = null;
      localReply(503, "no healthy upstream", "no_healthy_upstream");
      return;
    }
    if (forward.policy().idleTimeout().isPresent()) {
      idleTimeout = forward.policy().idleTimeout().get();
      armIdleTimer();
    }
    forward.finalizeRequest(
        request,
        FormatterContext.Snapshot.forRequest(
            downstream.remoteAddress(),
            downstream.localAddress(),
            downstream.protocol(),
            request.headers()),
        true);
    String authority = hcm.routes().effectiveAuthority(request);
    if (!authority.isEmpty() && !authority.equals(request.headers().get(HttpHeaderNames.HOST))) {
      request.headers().set(HttpHeaderNames.HOST, authority); // port stripped per the HCM
    }
    if (forward.policy().autoHostRewrite()) {
      request.headers().set(HttpHeaderNames.HOST, host.hostname());
    }
    cluster.requestStarted(host);
    upstreamStartNanos = context.ticker().nanoTime();
    Future<UpstreamLease> acquired =
        cluster
            .pool(downstream.eventLoop(), host, "HTTP/2".equals(downstream.protocol()))
            .acquire();
    if (acquired.isDone()) {
      onLease(acquired);
    } else {
      acquired.addListener(f -> onLease(acquired));
    }
  }

  private FormatterContext responseFormatter(HttpHeaders responseHeaders) {
    return new FormatterContext.Snapshot(
        java.util.Optional.ofNullable(downstream.remoteAddress()),
        java.util.Optional.ofNullable(downstream.localAddress()),
        java.util.Optional.ofNullable(host == null ? null : host.address()),
        downstream.protocol(),
        request == null ? new DefaultHttpHeaders() : request.headers(),
        responseHeaders);
  }

  private void onLease(Future<UpstreamLease> acquired) {
    if (!acquired.isSuccess()) {
      cluster.requestEnded(host, UpstreamOutcome.CONNECT_FAILURE);
      if (finished) {
        return;
      }
      flags.add(ResponseFlag.UPSTREAM_CONNECTION_FAILURE);
      releasePending();
      route = null;
      localReply(
          503,
          "upstream connect error or disconnect/reset before headers. reset reason: connection"
              + " failure",
          "upstream_reset_before_response_started{connection_failure}");
      return;
    }
    UpstreamLease l = acquired.getNow();
    if (finished) {
      l.release(true);
      return;
    }
    lease = l;
    Channel up = l.channel();
    up.pipeline().addLast(UPSTREAM_HANDLER, new UpstreamHandler());
    HttpRequest outgoing = upstreamRequest();
    up.write(outgoing);
    HttpContent next;
    while ((next = pendingBody.poll()) != null) {
      up.write(next);
    }
    up.flush();
    up.read();
    if (!requestComplete) {
      downstream.readMore();
    }
  }

  private HttpRequest upstreamRequest() {
    HttpRequest original = request;
    io.netty.handler.codec.http.DefaultHttpRequest out =
        new io.netty.handler.codec.http.DefaultHttpRequest(
            HttpVersion.HTTP_1_1, original.method(), original.uri(), original.headers());
    if (requestBodyExpected && !HttpUtil.isContentLengthSet(out)) {
      HttpUtil.setTransferEncodingChunked(out, true);
    }
    return out;
  }

  private void writeUpstream(HttpContent content) {
    Channel up = lease.channel();
    up.writeAndFlush(content)
        .addListener(
            f -> {
              if (f.isSuccess() && !requestComplete) {
                downstream.readMore();
              }
            });
  }

  private static HttpContent stripFull(FullHttpRequest full) {
    return new io.netty.handler.codec.http.DefaultLastHttpContent(
        full.content(), full.trailingHeaders());
  }

  private void releasePending() {
    HttpContent c;
    while ((c = pendingBody.poll()) != null) {
      ReferenceCountUtil.release(c);
    }
  }

  // ---------------------------------------------------------------- upstream events

  /** Receives the upstream response on the upstream channel (same event loop). */
  private final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** Whether the last socket read produced a message; if not, the codec needs more bytes. */
    private boolean delivered;

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!delivered && !responseComplete && !finished) {
        ctx.read();
      }
      delivered = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (finished) {
        ReferenceCountUtil.release(msg);
        return;
      }
      delivered = true;
      armIdleTimer();
      if (msg instanceof HttpResponse response) {
        if (response.status().code() == 100) {
          ReferenceCountUtil.release(msg);
          ctx.read();
          return;
        }
        onResponseHeaders(ctx, response);
      }
      if (msg instanceof HttpContent content) {
        onResponseContent(ctx, content);
      } else if (!(msg instanceof HttpResponse)) {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      onUpstreamReset();
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      upstreamUsable = false;
      ctx.close();
    }
  }

  private void onResponseHeaders(ChannelHandlerContext ctx, HttpResponse response) {
    responseStarted = true;
    firstResponseByteNanos = context.ticker().nanoTime();
    responseCode = response.status().code();
    responseCodeDetails = "via_upstream";
    cluster.responseReceived(host, responseCode);
    HttpHeaders h = response.headers();
    if (!HttpUtil.isKeepAlive(response)) {
      upstreamUsable = false;
    }
    HopByHopHeaders.strip(h);
    route.responseHeaderMutations().apply(h, responseFormatter(h));
    h.set(
        "x-envoy-upstream-service-time",
        Long.toString(TimeUnit.NANOSECONDS.toMillis(firstResponseByteNanos - upstreamStartNanos)));
    decorateResponse(h);
    HttpResponse out =
        response instanceof FullHttpResponse
            ? response
            : new io.netty.handler.codec.http.DefaultHttpResponse(
                HttpVersion.HTTP_1_1, response.status(), h);
    boolean bodyless =
        headRequest || responseCode == 204 || responseCode == 304 || responseCode < 200;
    if (!bodyless && !HttpUtil.isContentLengthSet(out) && !(out instanceof FullHttpResponse)) {
      frameForDownstream(out);
    }
    responseHeaders = h;
    if (!(out instanceof HttpContent)) {
      downstream
          .write(out)
          .addListener(
              f -> {
                if (f.isSuccess() && !finished) {
                  ctx.read();
                }
              });
    }
  }

  private void onResponseContent(ChannelHandlerContext ctx, HttpContent content) {
    bytesSent += content.content().readableBytes();
    boolean last = content instanceof LastHttpContent;
    if (content instanceof FullHttpResponse full) {
      // The codec delivered headers and body in one object; decorate headers already done above.
      finalizeFullResponseFraming(full);
      downstream.write(full);
    } else {
      if (last) {
        responseTrailers = ((LastHttpContent) content).trailingHeaders();
      }
      downstream
          .write(content)
          .addListener(
              f -> {
                if (f.isSuccess() && !last && !finished) {
                  ctx.read();
                }
              });
    }
    if (last) {
      responseComplete = true;
      endUpstream(UpstreamOutcome.COMPLETED, requestComplete && upstreamUsable);
      if (requestComplete) {
        complete();
      } else {
        // Envoy finishes the stream once the response is done; the rest of the body is drained.
        downstream.readMore();
      }
    }
  }

  private void finalizeFullResponseFraming(FullHttpResponse full) {
    if (!HttpUtil.isContentLengthSet(full) && !HttpUtil.isTransferEncodingChunked(full)) {
      HttpUtil.setContentLength(full, full.content().readableBytes());
    }
  }

  private void frameForDownstream(HttpResponse out) {
    if ("HTTP/1.0".equals(downstream.protocol())) {
      clientWantsClose = true; // close-delimited body
    } else if (!"HTTP/2".equals(downstream.protocol())) {
      HttpUtil.setTransferEncodingChunked(out, true);
    }
  }

  private void onUpstreamReset() {
    if (finished || responseComplete || lease == null) {
      return;
    }
    upstreamUsable = false;
    UpstreamLease l = lease;
    lease = null;
    cluster.requestEnded(host, UpstreamOutcome.UPSTREAM_RESET);
    l.release(false);
    if (!responseStarted) {
      flags.add(ResponseFlag.UPSTREAM_CONNECTION_TERMINATION);
      route = null;
      localReply(
          503,
          "upstream connect error or disconnect/reset before headers. reset reason: connection"
              + " termination",
          "upstream_reset_before_response_started{connection_termination}");
    } else {
      flags.add(ResponseFlag.UPSTREAM_REMOTE_RESET);
      responseCodeDetails = "upstream_reset_after_response_started{remote_reset}";
      downstream.reset();
      finish();
    }
  }

  private void endUpstream(UpstreamOutcome outcome, boolean reusable) {
    if (lease == null) {
      return;
    }
    UpstreamLease l = lease;
    lease = null;
    Channel ch = l.channel();
    if (ch.pipeline().get(UPSTREAM_HANDLER) != null) {
      ch.pipeline().remove(UPSTREAM_HANDLER);
    }
    cluster.requestEnded(host, outcome);
    l.release(reusable);
  }

  // ---------------------------------------------------------------- timers

  private void startRouteTimer() {
    if (route == null || route.policy().timeoutDisabled() || routeTimer != null || finished) {
      return;
    }
    routeTimer =
        downstream
            .eventLoop()
            .schedule(
                this::onRouteTimeout, route.policy().timeout().toNanos(), TimeUnit.NANOSECONDS);
  }

  private void onRouteTimeout() {
    if (finished || responseComplete) {
      return;
    }
    flags.add(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT);
    context.stats().downstreamRqTimeout.inc();
    endUpstream(UpstreamOutcome.TIMEOUT, false);
    if (!responseStarted) {
      route = null;
      localReply(504, "upstream request timeout", "upstream_response_timeout");
    } else {
      responseCodeDetails = "upstream_response_timeout";
      downstream.reset();
      finish();
    }
  }

  private void armIdleTimer() {
    if (idleTimeout.isZero() || finished) {
      return;
    }
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    idleTimer =
        downstream
            .eventLoop()
            .schedule(this::onIdleTimeout, idleTimeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void onIdleTimeout() {
    if (finished) {
      return;
    }
    flags.add(ResponseFlag.STREAM_IDLE_TIMEOUT);
    context.stats().downstreamRqIdleTimeout.inc();
    endUpstream(UpstreamOutcome.TIMEOUT, false);
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

  private void localReply(int status, String body, String details) {
    sendLocal(LocalReply.build(downstream.alloc(), status, body, grpc), details);
  }

  private void sendLocal(FullHttpResponse r, String details) {
    releasePending();
    responseStarted = true;
    responseComplete = true;
    responseCode = grpc ? r.status().code() : r.status().code();
    responseCodeDetails = details;
    decorateResponse(r.headers());
    responseHeaders = r.headers();
    bytesSent += r.content().readableBytes();
    if (headRequest) {
      r.content().clear();
    }
    downstream.write(r);
    if (requestComplete) {
      complete();
    } else {
      // Keep reading so the rest of the request is consumed (and discarded) before the next one.
      clientWantsClose = clientWantsClose || !"HTTP/2".equals(downstream.protocol());
      complete();
    }
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
      h.set(HttpHeaderNames.DATE, HttpDates.now());
    }
    if (hcm.alwaysSetRequestIdInResponse() && requestId != null) {
      h.set("x-request-id", requestId);
    }
    if (clientWantsClose && !"HTTP/2".equals(downstream.protocol())) {
      h.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    }
  }

  /** x-request-id, x-forwarded-for and x-forwarded-proto, per Envoy's connection manager. */
  private void applyForwardingHeaders(HttpHeaders h) {
    boolean edgeRequest = false;
    if (hcm.useRemoteAddress()) {
      java.net.InetAddress remote = downstream.remoteAddress().getAddress();
      boolean internal =
          remote.isLoopbackAddress() || remote.isSiteLocalAddress() || remote.isLinkLocalAddress();
      edgeRequest = !internal;
      if (!hcm.skipXffAppend()) {
        String ip = remote.getHostAddress();
        String xff = h.get("x-forwarded-for");
        h.set("x-forwarded-for", xff == null || xff.isEmpty() ? ip : xff + "," + ip);
      }
      h.set("x-forwarded-proto", downstream.scheme());
    } else if (!h.contains("x-forwarded-proto")) {
      h.set("x-forwarded-proto", downstream.scheme());
    }
    if (edgeRequest && !hcm.preserveExternalRequestId()) {
      h.remove("x-request-id");
    }
    requestId = h.get("x-request-id");
    if ((requestId == null || requestId.isEmpty()) && hcm.generateRequestId()) {
      requestId = RequestIds.uuid4(context.random());
      h.set("x-request-id", requestId);
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
    if (routeTimer != null) {
      routeTimer.cancel(false);
    }
    if (idleTimer != null) {
      idleTimer.cancel(false);
    }
    releasePending();
    context.stats().downstreamRqActive.dec();
    if (responseCode > 0) {
      context.stats().responseCode(responseCode);
      context.stats().downstreamRqCompleted.inc();
    }
    if (!context.accessLog().isEmpty()) {
      context.accessLog().log(accessLogEntry());
    }
  }

  private AccessLogEntry accessLogEntry() {
    long now = context.ticker().nanoTime();
    HttpHeaders reqHeaders = request == null ? new DefaultHttpHeaders() : request.headers();
    HttpHeaders respHeaders = responseHeaders;
    HttpHeaders trailers = responseTrailers;
    String m = method;
    String p = path;
    String a = authority;
    String sch = scheme;
    HeaderLookup requestLookup =
        name ->
            java.util.Optional.ofNullable(
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
            .responseHeaders(name -> java.util.Optional.ofNullable(respHeaders.get(name)))
            .responseTrailers(name -> java.util.Optional.ofNullable(trailers.get(name)))
            .responseCode(responseCode)
            .responseCodeDetails(responseCodeDetails)
            .responseFlags(ResponseFlags.of(flags))
            .bytesReceived(bytesReceived)
            .bytesSent(bytesSent)
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
    if (host != null) {
      b.upstreamHost(host.address());
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

  static void forwardObject(ProxyStream stream, HttpObject msg) {
    if (msg instanceof HttpRequest req) {
      stream.onRequestHeaders(req);
    } else if (msg instanceof HttpContent c) {
      stream.onRequestContent(c);
    } else {
      ReferenceCountUtil.release(msg);
    }
  }
}
