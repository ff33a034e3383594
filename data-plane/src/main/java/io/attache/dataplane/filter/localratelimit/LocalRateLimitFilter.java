package io.attache.dataplane.filter.localratelimit;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.RouteDecision;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The local rate limit filter on one stream (Envoy's {@code LocalRateLimitFilter::Filter}): with
 * the route's own config if it has one, draws {@code filter_enabled}, builds the request's
 * descriptors from {@code rate_limits}, takes tokens, and over the limit either answers {@code
 * status} (when {@code filter_enforced} draws true) or adds {@code
 * request_headers_to_add_when_not_enforced} and lets the request through. On the response it adds
 * the {@code x-ratelimit-*} headers when asked to. Never blocks.
 */
final class LocalRateLimitFilter implements StreamFilter {
  static final String LOCAL_RATE_LIMITED = "local_rate_limited";

  private final LocalRateLimitFilterType.Shared shared;
  private final FilterFactoryContext context;
  private StreamDecoderFilterCallbacks callbacks;
  private LocalRateLimitConfig used;
  private TokenBucket reportedBucket;

  LocalRateLimitFilter(LocalRateLimitFilterType.Shared shared, FilterFactoryContext context) {
    this.shared = shared;
    this.context = context;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    long now = context.ticker().nanoTime();
    Optional<PerRouteLocalRateLimit> route = callbacks.perRouteConfig(PerRouteLocalRateLimit.class);
    LocalRateLimiter limiter;
    if (route.isPresent()) {
      used = route.get().config();
      limiter = route.get().limiter(now);
    } else {
      used = shared.config();
      limiter = shared.limiter();
    }
    if (!used.filterEnabled().selects(context.random())) {
      return FilterHeadersStatus.CONTINUE;
    }
    LocalRateLimitStats stats = shared.stats(used.statPrefix());
    stats.enabled().inc();
    LocalRateLimiter.Result result =
        limiter.requestAllowed(
            used.descriptors().isEmpty() ? List.of() : descriptors(request), now);
    reportedBucket = result.bucket();
    if (result.allowed()) {
      stats.ok().inc();
      return FilterHeadersStatus.CONTINUE;
    }
    stats.rateLimited().inc();
    if (!used.filterEnforced().selects(context.random())) {
      used.requestHeadersToAddWhenNotEnforced().apply(request.headers(), formatter(request, null));
      return FilterHeadersStatus.CONTINUE;
    }
    stats.enforced().inc();
    callbacks.streamInfo().addFlag(ResponseFlag.RATE_LIMITED);
    FullHttpResponse reply =
        callbacks.grpcRequest() && used.rateLimitedAsResourceExhausted()
            ? LocalReply.grpc(callbacks.alloc(), 8, LOCAL_RATE_LIMITED) // RESOURCE_EXHAUSTED
            : LocalReply.build(
                callbacks.alloc(), used.status(), LOCAL_RATE_LIMITED, callbacks.grpcRequest());
    used.responseHeadersToAdd().apply(reply.headers(), formatter(request, reply.headers()));
    callbacks.sendLocalReply(reply, LOCAL_RATE_LIMITED);
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (reportedBucket != null && used.enableXRateLimitHeaders()) {
      long now = context.ticker().nanoTime();
      HttpHeaders h = response.headers();
      h.add("x-ratelimit-limit", Long.toString(reportedBucket.maxTokens()));
      h.add("x-ratelimit-remaining", Long.toString(reportedBucket.remainingTokens(now)));
      h.add("x-ratelimit-reset", Long.toString(reportedBucket.resetSeconds(now)));
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /** One descriptor per {@code rate_limits} entry whose every action yields (or skips) an entry. */
  private List<List<DescriptorEntry>> descriptors(HttpRequest request) {
    RateLimitedRequest view =
        new RateLimitedRequest(
            request,
            request.headers().get("x-forwarded-proto", callbacks.connection().scheme()),
            trustedRemoteAddress(),
            callbacks.route() instanceof RouteDecision.Forward forward ? forward.cluster() : "");
    List<List<DescriptorEntry>> descriptors = new ArrayList<>(used.rateLimits().size());
    for (List<DescriptorAction> actions : used.rateLimits()) {
      List<DescriptorEntry> entries = new ArrayList<>(actions.size());
      for (DescriptorAction action : actions) {
        DescriptorEntry entry = action.entry(view);
        if (entry == null) {
          entries = null;
          break;
        }
        if (entry != DescriptorAction.SKIP) {
          entries.add(entry);
        }
      }
      if (entries != null && !entries.isEmpty()) {
        descriptors.add(entries);
      }
    }
    return descriptors;
  }

  private InetAddress trustedRemoteAddress() {
    InetAddress trusted = callbacks.streamInfo().downstreamRemoteAddress();
    return trusted != null ? trusted : callbacks.connection().remoteAddress().getAddress();
  }

  private FormatterContext formatter(HttpRequest request, HttpHeaders responseHeaders) {
    return new FormatterContext.Snapshot(
        Optional.ofNullable(callbacks.connection().remoteAddress()),
        Optional.ofNullable(callbacks.connection().localAddress()),
        Optional.empty(),
        callbacks.connection().protocol(),
        request.headers(),
        responseHeaders == null ? EmptyHttpHeaders.INSTANCE : responseHeaders);
  }
}
