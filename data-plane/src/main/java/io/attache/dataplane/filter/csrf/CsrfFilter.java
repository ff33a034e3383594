package io.attache.dataplane.filter.csrf;

import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.matcher.StringMatch;
import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;

/**
 * {@code envoy.filters.http.csrf} on one stream (Envoy's {@code CsrfFilter}): a {@code POST},
 * {@code PUT}, {@code DELETE} or {@code PATCH} must come from the origin it is sent to — the host
 * and port of its {@code origin} (else {@code referer}) equal to those of its {@code host} — or
 * from one of {@code additional_origins}; otherwise it is answered 403 {@code Invalid origin}
 * ({@code csrf_origin_mismatch}), or only counted when the policy is in shadow mode. The most
 * specific route-level policy replaces the filter's. Other methods pass untouched and uncounted.
 */
final class CsrfFilter implements StreamDecoderFilter {
  static final String DETAILS = "csrf_origin_mismatch";

  private final CsrfPolicyConfig filterPolicy;
  private final CsrfStats stats;
  private final Runtime runtime;
  private final RandomSource random;
  private StreamDecoderFilterCallbacks callbacks;

  CsrfFilter(CsrfPolicyConfig filterPolicy, CsrfStats stats, Runtime runtime, RandomSource random) {
    this.filterPolicy = filterPolicy;
    this.stats = stats;
    this.runtime = runtime;
    this.random = random;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    CsrfPolicyConfig policy = callbacks.perRouteConfig(CsrfPolicyConfig.class).orElse(filterPolicy);
    boolean enabled = policy.enabled(runtime, random);
    boolean shadow = policy.shadowEnabled(runtime, random);
    if (!enabled && !shadow) {
      return FilterHeadersStatus.CONTINUE;
    }
    if (!isModifyMethod(request.method())) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders h = request.headers();
    String source = sourceOrigin(h);
    if (source.isEmpty()) {
      stats.missingSourceOrigin().inc();
    } else if (!matchesTarget(policy, source, h)) {
      stats.requestInvalid().inc();
    } else {
      stats.requestValid().inc();
      return FilterHeadersStatus.CONTINUE;
    }
    if (!enabled) {
      return FilterHeadersStatus.CONTINUE; // shadow mode: counted, not enforced
    }
    callbacks.sendLocalReply(403, "Invalid origin", DETAILS);
    return FilterHeadersStatus.STOP_ITERATION;
  }

  private static boolean isModifyMethod(HttpMethod method) {
    return HttpMethod.POST.equals(method)
        || HttpMethod.PUT.equals(method)
        || HttpMethod.DELETE.equals(method)
        || HttpMethod.PATCH.equals(method);
  }

  private static boolean matchesTarget(CsrfPolicyConfig policy, String source, HttpHeaders h) {
    if (source.equals(targetOrigin(h))) {
      return true;
    }
    for (StringMatch origin : policy.additionalOrigins()) {
      if (origin.matches(source)) {
        return true;
      }
    }
    return false;
  }

  /** The host and port of {@code origin}, else of {@code referer}; empty when neither is set. */
  static String sourceOrigin(HttpHeaders h) {
    String origin = hostAndPort(h.get(HttpHeaderNames.ORIGIN, ""));
    return origin.isEmpty() ? hostAndPort(h.get(HttpHeaderNames.REFERER, "")) : origin;
  }

  /** The host and port the request is sent to: its {@code host}, as sent; empty without one. */
  static String targetOrigin(HttpHeaders h) {
    String host = h.get(HttpHeaderNames.HOST, "");
    return host.isEmpty() ? "" : hostAndPort("http://" + host);
  }

  /**
   * Envoy's {@code hostAndPort}: the authority of an absolute URL ({@code scheme://} then up to the
   * path, query or fragment, without user info), as written; empty for a value that is not an
   * absolute URL (such as an opaque origin's {@code null}), which then counts as no origin.
   */
  static String hostAndPort(String url) {
    if (url.isEmpty()) {
      return "";
    }
    int schemeEnd = url.indexOf("://");
    if (schemeEnd <= 0 || !validScheme(url.substring(0, schemeEnd))) {
      return "";
    }
    int start = schemeEnd + 3;
    int end = url.length();
    for (int i = start; i < url.length(); i++) {
      char c = url.charAt(i);
      if (c == '/' || c == '?' || c == '#') {
        end = i;
        break;
      }
    }
    String authority = url.substring(start, end);
    int at = authority.lastIndexOf('@');
    if (at >= 0) {
      authority = authority.substring(at + 1);
    }
    return authority;
  }

  private static boolean validScheme(String scheme) {
    if (!Character.isLetter(scheme.charAt(0))) {
      return false;
    }
    for (int i = 1; i < scheme.length(); i++) {
      char c = scheme.charAt(i);
      if (!Character.isLetterOrDigit(c) && c != '+' && c != '-' && c != '.') {
        return false;
      }
    }
    return true;
  }
}
