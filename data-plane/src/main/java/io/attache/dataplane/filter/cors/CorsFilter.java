package io.attache.dataplane.filter.cors;

import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.matcher.StringMatch;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * The CORS filter on one stream (Envoy's {@code CorsFilter}): merges the route's {@code CorsPolicy}
 * levels field by field, most specific first; answers a preflight (OPTIONS with {@code origin} and
 * {@code access-control-request-method}) locally with 200 and the {@code access-control-allow-*}
 * headers, and adds {@code access-control-allow-origin} (with credentials and expose headers) to
 * the response of an allowed cross-origin request. It never refuses a request: the browser enforces
 * CORS, the filter only answers and annotates. Only routes that forward have a policy.
 */
final class CorsFilter implements StreamFilter {
  static final String CORS_RESPONSE = "cors_response";

  private final CorsStats stats;
  private final RandomSource random;
  private StreamDecoderFilterCallbacks callbacks;
  private List<CorsPolicyConfig> policies = List.of();
  private String allowedOrigin;

  CorsFilter(CorsStats stats, RandomSource random) {
    this.stats = stats;
    this.random = random;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {}

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    if (!(callbacks.route() instanceof RouteDecision.Forward)) {
      return FilterHeadersStatus.CONTINUE;
    }
    policies = callbacks.perRouteConfigs(CorsPolicyConfig.class);
    if (policies.isEmpty()) {
      return FilterHeadersStatus.CONTINUE;
    }
    // Envoy takes enabled/shadow_enabled from the most specific policy alone.
    CorsPolicyConfig first = policies.get(0);
    boolean enabled = first.enabled(random);
    boolean shadowEnabled = first.shadowEnabled(random);
    if (!enabled && !shadowEnabled) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders headers = request.headers();
    String origin = headers.get(HttpHeaderNames.ORIGIN);
    if (origin == null || origin.isEmpty()) {
      return FilterHeadersStatus.CONTINUE;
    }
    boolean originAllowed = originAllowed(origin);
    if (originAllowed) {
      stats.originValid().inc();
    } else {
      stats.originInvalid().inc();
    }
    if (!enabled) {
      return FilterHeadersStatus.CONTINUE; // shadow mode: counted, not acted on
    }
    if (originAllowed) {
      allowedOrigin = origin;
    }
    String requestMethod = headers.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_METHOD);
    if (!request.method().equals(HttpMethod.OPTIONS)
        || requestMethod == null
        || requestMethod.isEmpty()) {
      return FilterHeadersStatus.CONTINUE;
    }
    if (!originAllowed && merged(CorsPolicyConfig::forwardNotMatchingPreflights).orElse(true)) {
      return FilterHeadersStatus.CONTINUE;
    }
    callbacks.sendLocalReply(
        preflightResponse(headers, requestMethod, originAllowed), CORS_RESPONSE);
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (allowedOrigin == null) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders h = response.headers();
    h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, allowedOrigin);
    if (merged(CorsPolicyConfig::allowCredentials).orElse(false)) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    String expose = mergedString(CorsPolicyConfig::exposeHeaders);
    if (!expose.isEmpty()) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_EXPOSE_HEADERS, expose);
    }
    return FilterHeadersStatus.CONTINUE;
  }

  private FullHttpResponse preflightResponse(
      HttpHeaders request, String requestMethod, boolean originAllowed) {
    FullHttpResponse reply =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK, callbacks.alloc().buffer(0));
    HttpHeaders h = reply.headers();
    if (originAllowed) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_ORIGIN, request.get(HttpHeaderNames.ORIGIN));
    }
    if (merged(CorsPolicyConfig::allowCredentials).orElse(false)) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_CREDENTIALS, "true");
    }
    String methods = mergedString(CorsPolicyConfig::allowMethods);
    if (!methods.isEmpty()) {
      h.set(
          HttpHeaderNames.ACCESS_CONTROL_ALLOW_METHODS,
          methods.equals("*") ? requestMethod : methods);
    }
    String allowHeaders = mergedString(CorsPolicyConfig::allowHeaders);
    if (!allowHeaders.isEmpty()) {
      String value =
          allowHeaders.equals("*")
              ? request.get(HttpHeaderNames.ACCESS_CONTROL_REQUEST_HEADERS, "")
              : allowHeaders;
      h.set(HttpHeaderNames.ACCESS_CONTROL_ALLOW_HEADERS, value);
    }
    String maxAge = mergedString(CorsPolicyConfig::maxAge);
    if (!maxAge.isEmpty()) {
      h.set(HttpHeaderNames.ACCESS_CONTROL_MAX_AGE, maxAge);
    }
    if (merged(CorsPolicyConfig::allowPrivateNetworkAccess).orElse(false)
        && "true".equals(request.get("access-control-request-private-network"))) {
      h.set("access-control-allow-private-network", "true");
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, 0);
    return reply;
  }

  /** Envoy's rule: the first level with any origin matcher decides; a matcher of "*" allows all. */
  private boolean originAllowed(String origin) {
    for (CorsPolicyConfig policy : policies) {
      if (!policy.allowOrigins().isEmpty()) {
        for (StringMatch match : policy.allowOrigins()) {
          if (match.matches("*") || match.matches(origin)) {
            return true;
          }
        }
        return false;
      }
    }
    return false;
  }

  private String mergedString(Function<CorsPolicyConfig, String> field) {
    for (CorsPolicyConfig policy : policies) {
      String value = field.apply(policy);
      if (!value.isEmpty()) {
        return value;
      }
    }
    return "";
  }

  private Optional<Boolean> merged(Function<CorsPolicyConfig, Optional<Boolean>> field) {
    for (CorsPolicyConfig policy : policies) {
      Optional<Boolean> value = field.apply(policy);
      if (value.isPresent()) {
        return value;
      }
    }
    return Optional.empty();
  }
}
