package io.attache.dataplane.filter.cache;

import io.netty.handler.codec.DateFormatter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.Set;

/**
 * HTTP caching's decisions as Envoy's cache filter makes them (RFC 9111 as Envoy implements it):
 * which requests may be answered from the cache, which responses may be stored, how old a stored
 * response is and whether it must be validated before use. Pure functions of headers and times.
 */
final class CachePolicy {
  /** RFC 9110's heuristically cacheable codes, Envoy's list. */
  private static final Set<Integer> CACHEABLE_STATUS =
      Set.of(200, 203, 204, 206, 300, 301, 308, 404, 405, 410, 414, 451, 501);

  /**
   * Conditional request headers that make Envoy bypass the cache (if-match and if-unmodified-since
   * may be ignored by a cache, RFC 9110 13.2.1, and are).
   */
  private static final String[] BYPASSING_CONDITIONALS = {
    "if-none-match", "if-modified-since", "if-range"
  };

  private CachePolicy() {}

  /**
   * Why the request cannot be served from the cache (and its response not stored), or null when it
   * can: a conditional request, no path or host, {@code authorization}, a method other than GET or
   * HEAD, a scheme other than http or https.
   */
  static String whyNotServable(HttpRequest request, String scheme) {
    HttpHeaders h = request.headers();
    for (String conditional : BYPASSING_CONDITIONALS) {
      if (h.contains(conditional)) {
        return conditional;
      }
    }
    if (request.uri().isEmpty()) {
      return "no path";
    }
    if (!h.contains(HttpHeaderNames.HOST)) {
      return "no host";
    }
    if (h.contains(HttpHeaderNames.AUTHORIZATION)) {
      return "authorization";
    }
    HttpMethod method = request.method();
    if (!method.equals(HttpMethod.GET) && !method.equals(HttpMethod.HEAD)) {
      return method.name();
    }
    if (!"http".equals(scheme) && !"https".equals(scheme)) {
      return "scheme";
    }
    return null;
  }

  /**
   * Envoy's {@code isCacheableResponse}: not {@code no-store}/{@code private}, a cacheable status,
   * enough to compute freshness ({@code no-cache}, {@code max-age}/{@code s-maxage}, or both {@code
   * date} and {@code expires}), and a {@code vary} naming only allowed headers (never {@code *}).
   */
  static boolean isCacheableResponse(int status, HttpHeaders h, CacheSettings settings) {
    ResponseCacheControl cc = ResponseCacheControl.parse(h.get(HttpHeaderNames.CACHE_CONTROL));
    boolean hasValidationData =
        cc.mustValidate()
            || cc.hasMaxAge()
            || (h.contains(HttpHeaderNames.DATE) && h.contains(HttpHeaderNames.EXPIRES));
    return !cc.noStore()
        && CACHEABLE_STATUS.contains(status)
        && hasValidationData
        && varyAllowed(h, settings);
  }

  private static boolean varyAllowed(HttpHeaders h, CacheSettings settings) {
    for (String name : Vary.names(h)) {
      if (name.equals("*") || !settings.allowsVary(name)) {
        return false;
      }
    }
    return true;
  }

  /**
   * RFC 9111 4.2.3's current age in whole seconds, with Envoy's assumption that the response delay
   * is negligible: {@code max(now_received - date, age) + (now - received)}. A missing or
   * unparsable {@code date} counts as the epoch, as in Envoy.
   */
  static long ageSeconds(HttpHeaders stored, Instant responseTime, Instant now) {
    Instant date = httpTime(stored.get(HttpHeaderNames.DATE));
    long ageHeader;
    try {
      ageHeader = Long.parseLong(stored.get(HttpHeaderNames.AGE, "0"));
    } catch (NumberFormatException e) {
      ageHeader = 0;
    }
    Duration apparent = Duration.between(date, responseTime);
    if (apparent.isNegative()) {
      apparent = Duration.ZERO;
    }
    Duration initial =
        apparent.compareTo(Duration.ofSeconds(ageHeader)) >= 0
            ? apparent
            : Duration.ofSeconds(ageHeader);
    return initial.plus(Duration.between(responseTime, now)).getSeconds();
  }

  /**
   * Envoy's {@code requiresValidation}: the response or the request asks for validation ({@code
   * no-cache}), the request's {@code max-age} is exceeded, the response is stale and may not be
   * served stale ({@code must-revalidate}, or no request {@code max-stale} that covers it), or it
   * is fresh but not for the request's {@code min-fresh}.
   */
  static boolean requiresValidation(HttpHeaders stored, long age, RequestCacheControl request) {
    ResponseCacheControl response =
        ResponseCacheControl.parse(stored.get(HttpHeaderNames.CACHE_CONTROL));
    boolean requestMaxAgeExceeded =
        request.maxAge() != RequestCacheControl.ABSENT && request.maxAge() < age;
    if (response.mustValidate() || request.mustValidate() || requestMaxAgeExceeded) {
      return true;
    }
    long freshnessLifetime =
        response.hasMaxAge()
            ? response.maxAge()
            : Duration.between(
                    httpTime(stored.get(HttpHeaderNames.DATE)),
                    httpTime(stored.get(HttpHeaderNames.EXPIRES)))
                .getSeconds();
    if (age > freshnessLifetime) {
      boolean allowedByMaxStale =
          request.maxStale() != RequestCacheControl.ABSENT
              && request.maxStale() > age - freshnessLifetime;
      return response.noStale() || !allowedByMaxStale;
    }
    return request.minFresh() != RequestCacheControl.ABSENT
        && request.minFresh() > freshnessLifetime - age;
  }

  /** An HTTP date (IMF-fixdate, RFC 850 or asctime); the epoch when absent or unparsable. */
  static Instant httpTime(String value) {
    if (value == null) {
      return Instant.EPOCH;
    }
    Date date = DateFormatter.parseHttpDate(value);
    return date == null ? Instant.EPOCH : date.toInstant();
  }
}
