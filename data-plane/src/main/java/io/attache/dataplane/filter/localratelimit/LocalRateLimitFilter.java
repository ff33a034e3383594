package io.attache.dataplane.filter.localratelimit;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.ratelimit.DescriptorEntry;
import io.attache.dataplane.ratelimit.RateLimitPolicyEntry;
import io.attache.dataplane.ratelimit.RateLimitedRequest;
import io.attache.dataplane.ratelimit.RouteRateLimits;
import io.attache.dataplane.router.FormatterContext;
import io.attache.dataplane.router.RouteDecision;
import io.envoyproxy.envoy.extensions.common.ratelimit.v3.VhRateLimitsOptions;
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
 * descriptors from its own {@code rate_limits} or the route's and virtual host's, takes tokens, and
 * over the limit either answers {@code status} (when {@code filter_enforced} draws true) or adds
 * {@code request_headers_to_add_when_not_enforced} and lets the request through. On the response it
 * adds the {@code x-ratelimit-*} headers when asked to. Never blocks.
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
            used.descriptors().isEmpty() ? List.of() : descriptors(request, route.isPresent()),
            now);
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

  /**
   * The request's descriptors as Envoy builds them: from the filter's own {@code rate_limits} when
   * it has some; else from the route's {@code rate_limits} of this filter's {@code stage} (those
   * with a {@code disable_key} skipped) and, as {@code vh_rate_limits} (or the route's {@code
   * include_vh_rate_limits}) says, the virtual host's. One descriptor per entry whose every action
   * yields (or skips) an entry.
   */
  private List<List<DescriptorEntry>> descriptors(HttpRequest request, boolean routeConfigured) {
    RouteDecision route = callbacks.route();
    RateLimitedRequest view =
        new RateLimitedRequest(
            request,
            request.headers().get("x-forwarded-proto", callbacks.connection().scheme()),
            trustedRemoteAddress(),
            route instanceof RouteDecision.Forward forward ? forward.cluster() : "",
            context.server().serviceCluster());
    List<List<DescriptorEntry>> descriptors = new ArrayList<>();
    if (!used.rateLimits().isEmpty()) {
      for (RateLimitPolicyEntry entry : used.rateLimits()) {
        addDescriptor(entry, view, descriptors);
      }
      return descriptors;
    }
    if (!(route instanceof RouteDecision.Forward forward)) {
      return descriptors;
    }
    RouteRateLimits limits = forward.policy().rateLimits();
    addApplicable(limits.route(), view, descriptors);
    VhRateLimitsOptions option =
        limits.includeVirtualHostRateLimits()
            ? VhRateLimitsOptions.INCLUDE
            : routeConfigured ? used.virtualHostRateLimits() : VhRateLimitsOptions.OVERRIDE;
    if (option == VhRateLimitsOptions.INCLUDE
        || (option == VhRateLimitsOptions.OVERRIDE && limits.route().isEmpty())) {
      addApplicable(limits.virtualHost(), view, descriptors);
    }
    return descriptors;
  }

  private void addApplicable(
      List<RateLimitPolicyEntry> entries,
      RateLimitedRequest view,
      List<List<DescriptorEntry>> descriptors) {
    for (RateLimitPolicyEntry entry : entries) {
      if (entry.stage() == used.stage() && entry.disableKey().isEmpty()) {
        addDescriptor(entry, view, descriptors);
      }
    }
  }

  private static void addDescriptor(
      RateLimitPolicyEntry entry,
      RateLimitedRequest view,
      List<List<DescriptorEntry>> descriptors) {
    List<DescriptorEntry> descriptor = entry.descriptor(view);
    if (descriptor != null) {
      descriptors.add(descriptor);
    }
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
