package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One {@code JwtProvider} of a jwt_authn filter, parsed once: who issues its tokens, for which
 * audiences, where its keys come from (an inline/file {@code local_jwks}, or a {@code remote_jwks}
 * fetched through a cluster and cached), where tokens are found in a request, and what a verified
 * token adds to it. Immutable.
 *
 * @param issuer {@code issuer}; empty accepts any {@code iss}
 * @param audiences {@code audiences}, normalised; empty accepts any
 * @param localJwks the parsed {@code local_jwks}, if that is the source
 * @param remote the {@code remote_jwks}, if that is the source
 * @param fromHeaders where tokens are read from in headers (Envoy's default when no location is
 *     set: {@code Authorization: Bearer <token>})
 * @param fromParams query parameters holding tokens (default {@code access_token})
 * @param payloadInMetadata {@code payload_in_metadata}: the field of the filter's dynamic metadata
 *     a verified token's payload goes under; empty for none
 * @param headerInMetadata {@code header_in_metadata}: the same for the token's JOSE header
 * @param spaceDelimitedClaims {@code normalize_payload_in_metadata.space_delimited_claims}: claims
 *     whose string value becomes a list of its space-separated words in the metadata
 */
public record JwtProviderConfig(
    String name,
    String issuer,
    Set<String> audiences,
    Optional<Jwks> localJwks,
    Optional<Remote> remote,
    List<HeaderLocation> fromHeaders,
    List<String> fromParams,
    boolean forward,
    String forwardPayloadHeader,
    boolean padForwardPayloadHeader,
    List<ClaimToHeader> claimToHeaders,
    long clockSkewSeconds,
    String payloadInMetadata,
    String headerInMetadata,
    List<String> spaceDelimitedClaims) {

  /** Envoy's (and jwt_verify_lib's) default {@code clock_skew_seconds}. */
  static final long DEFAULT_CLOCK_SKEW_SECONDS = 60;

  /** Envoy's default {@code cache_duration}: ten minutes. */
  static final Duration DEFAULT_CACHE_DURATION = Duration.ofMinutes(10);

  /** A header that carries a token after {@code valuePrefix}; {@code name} lower-cased. */
  public record HeaderLocation(String name, String valuePrefix) {}

  /** {@code claim_to_headers}: a (possibly dotted) claim copied into a request header. */
  public record ClaimToHeader(String headerName, String claimName) {}

  /**
   * {@code remote_jwks}: {@code uri} fetched with GET through {@code cluster}, kept for {@code
   * cacheDuration}.
   */
  public record Remote(URI uri, String cluster, Duration timeout, Duration cacheDuration) {
    /** {@code :authority} of the fetch. */
    String authority() {
      return uri.getPort() < 0 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }

    /** {@code :path} of the fetch, query included. */
    String pathAndQuery() {
      String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
      return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }
  }

  static JwtProviderConfig from(String name, JwtProvider p, String path) throws ConfigException {
    refuse(p.hasSubjects(), path + ".subjects", "subject matching");
    refuse(p.getRequireExpiration(), path + ".require_expiration", "require_expiration");
    refuse(p.hasMaxLifetime(), path + ".max_lifetime", "max_lifetime");
    refuse(p.getFromCookiesCount() > 0, path + ".from_cookies", "tokens in cookies");
    refuse(p.hasJwtCacheConfig(), path + ".jwt_cache_config", "the verified-token cache");
    refuse(p.getClearRouteCache(), path + ".clear_route_cache", "clear_route_cache");
    Optional<Jwks> local = Optional.empty();
    Optional<Remote> remote = Optional.empty();
    switch (p.getJwksSourceSpecifierCase()) {
      case LOCAL_JWKS -> local = Optional.of(localJwks(p.getLocalJwks(), path + ".local_jwks"));
      case REMOTE_JWKS -> remote = Optional.of(remote(p.getRemoteJwks(), path + ".remote_jwks"));
      default -> throw new ConfigException(path, "one of local_jwks or remote_jwks is required");
    }
    List<HeaderLocation> headers =
        p.getFromHeadersList().stream()
            .map(h -> new HeaderLocation(h.getName().toLowerCase(Locale.ROOT), h.getValuePrefix()))
            .toList();
    for (int i = 0; i < p.getFromHeadersCount(); i++) {
      JwtHeader h = p.getFromHeaders(i);
      if (h.getName().isEmpty()) {
        throw new ConfigException(path + ".from_headers[" + i + "].name", "must not be empty");
      }
    }
    List<String> params = List.copyOf(p.getFromParamsList());
    if (headers.isEmpty() && params.isEmpty()) {
      headers = List.of(new HeaderLocation("authorization", "Bearer "));
      params = List.of("access_token");
    }
    List<ClaimToHeader> claims =
        p.getClaimToHeadersList().stream()
            .map(
                c ->
                    new ClaimToHeader(c.getHeaderName().toLowerCase(Locale.ROOT), c.getClaimName()))
            .toList();
    for (int i = 0; i < p.getClaimToHeadersCount(); i++) {
      JwtClaimToHeader c = p.getClaimToHeaders(i);
      if (c.getHeaderName().isEmpty() || c.getClaimName().isEmpty()) {
        throw new ConfigException(
            path + ".claim_to_headers[" + i + "]", "header_name and claim_name are required");
      }
    }
    return new JwtProviderConfig(
        name,
        p.getIssuer(),
        p.getAudiencesList().stream()
            .map(JwtProviderConfig::normaliseAudience)
            .collect(Collectors.toUnmodifiableSet()),
        local,
        remote,
        headers,
        params,
        p.getForward(),
        p.getForwardPayloadHeader().toLowerCase(Locale.ROOT),
        p.getPadForwardPayloadHeader(),
        claims,
        p.getClockSkewSeconds() > 0 ? p.getClockSkewSeconds() : DEFAULT_CLOCK_SKEW_SECONDS,
        p.getPayloadInMetadata(),
        p.getHeaderInMetadata(),
        List.copyOf(p.getNormalizePayloadInMetadata().getSpaceDelimitedClaimsList()));
  }

  /**
   * jwt_verify_lib's audience comparison: the scheme ({@code http://}, {@code https://}) and a
   * trailing slash do not count.
   */
  static String normaliseAudience(String audience) {
    String a = audience;
    if (a.startsWith("http://")) {
      a = a.substring(7);
    } else if (a.startsWith("https://")) {
      a = a.substring(8);
    }
    return a.endsWith("/") ? a.substring(0, a.length() - 1) : a;
  }

  /** True when {@code tokenAudiences} satisfy {@code allowed} (empty allows any). */
  static boolean audiencesAllowed(Set<String> allowed, List<String> tokenAudiences) {
    if (allowed.isEmpty()) {
      return true;
    }
    return tokenAudiences.stream()
        .map(JwtProviderConfig::normaliseAudience)
        .anyMatch(allowed::contains);
  }

  private static void refuse(boolean set, String path, String what) throws ConfigException {
    if (set) {
      throw new ConfigException(path, what + " is not supported by Attaché's jwt_authn filter");
    }
  }

  private static Jwks localJwks(DataSource source, String path) throws ConfigException {
    String text =
        switch (source.getSpecifierCase()) {
          case INLINE_STRING -> source.getInlineString();
          case INLINE_BYTES -> source.getInlineBytes().toString(StandardCharsets.UTF_8);
          case FILENAME -> {
            try {
              yield Files.readString(Path.of(source.getFilename()));
            } catch (IOException e) {
              throw new ConfigException(
                  path + ".filename",
                  "cannot read " + source.getFilename() + ": " + e.getMessage());
            }
          }
          case ENVIRONMENT_VARIABLE -> {
            String v = System.getenv(source.getEnvironmentVariable());
            if (v == null) {
              throw new ConfigException(
                  path + ".environment_variable", source.getEnvironmentVariable() + " is not set");
            }
            yield v;
          }
          default -> throw new ConfigException(path, "is required");
        };
    Jwks.Parsed parsed = Jwks.parse(text);
    if (parsed.status() != JwtStatus.OK) {
      throw new ConfigException(path, "invalid JWKS: " + parsed.status().message());
    }
    return parsed.jwks();
  }

  private static Remote remote(RemoteJwks r, String path) throws ConfigException {
    refuse(r.hasAsyncFetch(), path + ".async_fetch", "async_fetch");
    refuse(r.hasRetryPolicy(), path + ".retry_policy", "retry_policy");
    if (!r.hasHttpUri()) {
      throw new ConfigException(path + ".http_uri", "is required");
    }
    var httpUri = r.getHttpUri();
    if (httpUri.getCluster().isEmpty()) {
      throw new ConfigException(path + ".http_uri.cluster", "is required");
    }
    URI uri;
    try {
      uri = new URI(httpUri.getUri());
    } catch (URISyntaxException e) {
      throw new ConfigException(path + ".http_uri.uri", "not a URI: " + e.getMessage());
    }
    if (uri.getHost() == null
        || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))) {
      throw new ConfigException(path + ".http_uri.uri", "must be an http:// or https:// URI");
    }
    if (!httpUri.hasTimeout()) {
      throw new ConfigException(path + ".http_uri.timeout", "is required");
    }
    Duration timeout =
        Duration.ofSeconds(httpUri.getTimeout().getSeconds(), httpUri.getTimeout().getNanos());
    Duration cache =
        r.hasCacheDuration()
            ? Duration.ofSeconds(r.getCacheDuration().getSeconds(), r.getCacheDuration().getNanos())
            : DEFAULT_CACHE_DURATION;
    return new Remote(uri, httpUri.getCluster(), timeout, cache);
  }
}
