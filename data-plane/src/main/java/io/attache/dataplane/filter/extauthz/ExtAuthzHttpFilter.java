package io.attache.dataplane.filter.extauthz;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.BodySettings;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.GrpcAuthz;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.HttpAuthz;
import io.attache.dataplane.filter.extauthz.ExtAuthzConfig.PerRoute;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.io.ByteArrayOutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The ext_authz filter on one stream, as Envoy's {@code Filter}: skips a route that disables it,
 * draws {@code filter_enabled}, buffers the body when asked, sends one check bounded by the
 * service's timeout on the stream's scheduler, and then continues with the service's header
 * changes, answers the service's denial, or — on an error — allows ({@code failure_mode_allow}) or
 * answers {@code status_on_error}. On the stream's event loop only; never blocks.
 */
final class ExtAuthzHttpFilter implements StreamFilter {
  private enum State {
    INIT,
    BUFFERING,
    CALLING,
    COMPLETE,
    RESPONDED
  }

  static final String FAILURE_MODE_ALLOWED_HEADER = "x-envoy-auth-failure-mode-allowed";

  private final ExtAuthzFilter filter;
  private StreamDecoderFilterCallbacks callbacks;
  private State state = State.INIT;
  private boolean stopped;
  private HttpRequest request;
  private Optional<BodySettings> bodySettings = Optional.empty();
  private final ByteArrayOutputStream body = new ByteArrayOutputStream();
  private boolean partialBody;
  private ClusterExchange exchange;
  private ScheduledTask timeout = ScheduledTask.NONE;
  private List<Map.Entry<String, String>> responseHeadersToAdd = List.of();

  ExtAuthzHttpFilter(ExtAuthzFilter filter) {
    this.filter = filter;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    this.request = request;
    Optional<PerRoute> perRoute = callbacks.perRouteConfig(PerRoute.class);
    if (perRoute.isPresent() && perRoute.get().disabled()) {
      state = State.COMPLETE;
      return FilterHeadersStatus.CONTINUE;
    }
    if (!filter.enabled()) {
      filter.disabled.inc();
      if (filter.config.denyAtDisable()) {
        state = State.RESPONDED;
        callbacks.streamInfo().addFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
        callbacks.sendLocalReply(filter.config.statusOnError(), "", "ext_authz_error");
        return FilterHeadersStatus.STOP_ITERATION;
      }
      state = State.COMPLETE;
      return FilterHeadersStatus.CONTINUE;
    }
    bodySettings = filter.config.withRequestBody();
    if (perRoute.isPresent()) {
      if (perRoute.get().disableRequestBodyBuffering()) {
        bodySettings = Optional.empty();
      } else if (perRoute.get().withRequestBody().isPresent()) {
        bodySettings = perRoute.get().withRequestBody();
      }
    }
    if (bodySettings.isPresent() && !endStream) {
      state = State.BUFFERING;
      stopped = true;
      return FilterHeadersStatus.STOP_ITERATION;
    }
    if (endStream && request instanceof FullHttpRequest full && bodySettings.isPresent()) {
      copyBody(full);
    }
    check();
    return afterCheckStarted() ? FilterHeadersStatus.CONTINUE : FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (state == State.BUFFERING) {
      copyBody(data);
      int max = bodySettings.orElseThrow().maxRequestBytes();
      boolean full = body.size() >= max;
      if (endStream || (full && bodySettings.get().allowPartialMessage())) {
        check();
        if (afterCheckStarted()) {
          return FilterDataStatus.CONTINUE;
        }
        return endStream
            ? FilterDataStatus.STOP_ITERATION_AND_BUFFER
            : FilterDataStatus.STOP_ITERATION_AND_WATERMARK;
      }
      // Past the stream's buffer limit the chain answers 413, as Envoy's buffering does.
      return FilterDataStatus.STOP_ITERATION_AND_BUFFER;
    }
    if (state == State.CALLING) {
      return FilterDataStatus.STOP_ITERATION_AND_WATERMARK;
    }
    return FilterDataStatus.CONTINUE;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    if (state == State.BUFFERING) {
      check();
      return afterCheckStarted()
          ? FilterTrailersStatus.CONTINUE
          : FilterTrailersStatus.STOP_ITERATION;
    }
    return state == State.CALLING
        ? FilterTrailersStatus.STOP_ITERATION
        : FilterTrailersStatus.CONTINUE;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    for (Map.Entry<String, String> h : responseHeadersToAdd) {
      response.headers().add(h.getKey(), h.getValue());
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public void onDestroy() {
    timeout.cancel();
    if (exchange != null) {
      exchange.cancel(UpstreamOutcome.CANCELLED);
      exchange = null;
    }
    state = State.RESPONDED;
  }

  /**
   * True when the verdict came synchronously and allows the request: the caller continues by its
   * return value. Otherwise the stream stays stopped until {@link #complete} resumes it.
   */
  private boolean afterCheckStarted() {
    if (state == State.COMPLETE) {
      return true;
    }
    stopped = true;
    return false;
  }

  private void copyBody(io.netty.buffer.ByteBufHolder data) {
    int max = bodySettings.orElseThrow().maxRequestBytes();
    int room = max - body.size();
    int readable = data.content().readableBytes();
    if (readable > room) {
      partialBody = true;
    }
    int n = Math.min(room, readable);
    if (n > 0) {
      try {
        data.content().getBytes(data.content().readerIndex(), body, n);
      } catch (java.io.IOException impossible) {
        throw new IllegalStateException(impossible);
      }
    }
  }

  private void check() {
    state = State.CALLING;
    ExtAuthzConfig.Service service = filter.config.service();
    FullHttpRequest call;
    if (service instanceof GrpcAuthz grpc) {
      call =
          GrpcAuthzClient.call(grpc, GrpcAuthzClient.checkRequest(attributes()), callbacks.alloc());
    } else {
      call =
          HttpAuthzClient.request(
              (HttpAuthz) service,
              request.method(),
              request.uri(),
              request.headers(),
              filter.config.allowedHeaders(),
              filter.config.disallowedHeaders(),
              bodySettings.isPresent() ? body.toByteArray() : null,
              partialBody,
              callbacks.alloc());
    }
    exchange =
        new ClusterExchange(
            filter.clusters,
            service.cluster(),
            callbacks.eventLoop(),
            service instanceof GrpcAuthz);
    timeout =
        callbacks
            .scheduler()
            .schedule(
                service.timeout(),
                () -> {
                  if (exchange != null) {
                    exchange.cancel(UpstreamOutcome.TIMEOUT);
                    exchange = null;
                  }
                  complete(AuthzVerdict.ERROR);
                });
    exchange.send(
        call,
        response -> {
          exchange = null;
          complete(
              service instanceof HttpAuthz http
                  ? HttpAuthzClient.verdict(http, response)
                  : GrpcAuthzClient.verdict(response));
        });
  }

  private GrpcAuthzClient.Attributes attributes() {
    HttpHeaders h = request.headers();
    Map<String, String> headers = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : h) {
      String name = e.getKey().toLowerCase(Locale.ROOT);
      if (!sendsHeader(name)) {
        continue;
      }
      headers.merge(name, e.getValue(), (a, b) -> a + "," + b);
    }
    String host = h.get(HttpHeaderNames.HOST, "");
    headers.put(":authority", host);
    headers.put(":method", request.method().name());
    headers.put(":path", request.uri());
    headers.remove("host");
    long size =
        h.contains(HttpHeaderNames.CONTENT_LENGTH)
            ? parseLong(h.get(HttpHeaderNames.CONTENT_LENGTH))
            : -1;
    Map<String, String> extensions = new LinkedHashMap<>();
    List<PerRoute> levels = callbacks.perRouteConfigs(PerRoute.class);
    for (int i = levels.size() - 1; i >= 0; i--) {
      extensions.putAll(levels.get(i).contextExtensions());
    }
    boolean withBody = bodySettings.isPresent();
    if (withBody) {
      headers.put("x-envoy-auth-partial-body", Boolean.toString(partialBody));
    }
    return new GrpcAuthzClient.Attributes(
        callbacks.connection().remoteAddress(),
        callbacks.connection().localAddress(),
        filter.clock.instant(),
        h.get("x-request-id", ""),
        request.method().name(),
        request.uri(),
        host,
        h.get("x-forwarded-proto", callbacks.connection().scheme()),
        callbacks.connection().http2() ? "HTTP/2" : "HTTP/1.1",
        headers,
        size,
        withBody ? body.toByteArray() : null,
        withBody && bodySettings.get().packAsBytes(),
        extensions);
  }

  private boolean sendsHeader(String name) {
    boolean allowed =
        filter.config.allowedHeaders().map(m -> ExtAuthzConfig.anyMatches(m, name)).orElse(true);
    return allowed && !ExtAuthzConfig.anyMatches(filter.config.disallowedHeaders(), name);
  }

  private static long parseLong(String value) {
    try {
      return Long.parseLong(value.strip());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** Applies the verdict once; later answers (a late response after a timeout) are dropped. */
  private void complete(AuthzVerdict verdict) {
    if (state != State.CALLING) {
      return;
    }
    timeout.cancel();
    String routeCluster =
        callbacks.route() instanceof RouteDecision.Forward f
                && filter.clusters.apply(f.cluster()) != null
            ? f.cluster()
            : null;
    switch (verdict.status()) {
      case OK -> {
        filter.ok.inc();
        chargeCluster(routeCluster, "ok");
        allow(verdict);
      }
      case DENIED -> {
        filter.denied.inc();
        chargeCluster(routeCluster, "denied");
        if (routeCluster != null) {
          ClusterHandle cluster = filter.clusters.apply(routeCluster);
          cluster.chargeResponse(verdict.deniedStatus(), false);
        }
        state = State.RESPONDED;
        callbacks.streamInfo().addFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
        FullHttpResponse reply =
            LocalReply.build(
                callbacks.alloc(),
                verdict.deniedStatus(),
                verdict.deniedBody(),
                callbacks.grpcRequest());
        for (Map.Entry<String, String> h : verdict.deniedHeaders()) {
          reply.headers().set(h.getKey(), h.getValue());
        }
        callbacks.sendLocalReply(reply, "ext_authz_denied");
      }
      case ERROR -> {
        filter.error.inc();
        chargeCluster(routeCluster, "error");
        if (filter.config.failureModeAllow()) {
          filter.failureModeAllowed.inc();
          chargeCluster(routeCluster, "failure_mode_allowed");
          if (filter.config.failureModeAllowHeaderAdd()) {
            request.headers().set(FAILURE_MODE_ALLOWED_HEADER, "true");
          }
          resume();
          return;
        }
        state = State.RESPONDED;
        callbacks.streamInfo().addFlag(ResponseFlag.UNAUTHORIZED_EXTERNAL_SERVICE);
        callbacks.sendLocalReply(filter.config.statusOnError(), "", "ext_authz_error");
      }
    }
  }

  private void chargeCluster(String cluster, String name) {
    if (cluster != null) {
      filter.chargeCluster(cluster, name);
    }
  }

  private void allow(AuthzVerdict verdict) {
    HttpHeaders h = request.headers();
    for (Map.Entry<String, String> e : verdict.headersToSet()) {
      h.set(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : verdict.headersToAppend()) {
      h.add(e.getKey(), e.getValue());
    }
    for (Map.Entry<String, String> e : verdict.headersToAddIfAbsent()) {
      if (!h.contains(e.getKey())) {
        h.add(e.getKey(), e.getValue());
      }
    }
    for (Map.Entry<String, String> e : verdict.headersToOverwriteIfExists()) {
      if (h.contains(e.getKey())) {
        h.set(e.getKey(), e.getValue());
      }
    }
    for (String name : verdict.headersToRemove()) {
      if (!name.startsWith(":") && !name.equals("host")) {
        h.remove(name);
      }
    }
    responseHeadersToAdd = verdict.responseHeadersToAdd();
    if (filter.config.clearRouteCache() && verdict.mutatesRequest()) {
      callbacks.clearRouteCache();
    }
    resume();
  }

  private void resume() {
    state = State.COMPLETE;
    if (stopped) {
      callbacks.continueDecoding();
    }
  }
}
