package io.attache.dataplane.filter.extauthz;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.RuntimeFractionalPercent;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.BufferSettings;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthz;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute;
import io.envoyproxy.envoy.extensions.filters.http.ext_authz.v3.HttpService;
import io.envoyproxy.envoy.type.matcher.v3.ListStringMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One {@code envoy.filters.http.ext_authz} config ({@code ExtAuthz}) parsed and validated once with
 * Envoy's rules, and its per-route form ({@code ExtAuthzPerRoute}). Immutable; never talks to the
 * service itself.
 *
 * @param service where checks go: a gRPC {@code Authorization} service or a plain HTTP one
 * @param withRequestBody body buffering, empty when the body is not sent
 * @param statusOnError the reply status when the service fails and failure mode does not allow
 * @param filterEnabled per-request fraction of checked requests (its {@code default_value})
 * @param denyAtDisable whether a request the fraction skips is denied instead of passed
 * @param allowedHeaders which request headers go to the service; empty: Envoy's default
 * @param disallowedHeaders request headers never sent, even when allowed
 */
public record ExtAuthzConfig(
    Service service,
    boolean failureModeAllow,
    boolean failureModeAllowHeaderAdd,
    Optional<BodySettings> withRequestBody,
    boolean clearRouteCache,
    int statusOnError,
    Fraction filterEnabled,
    boolean denyAtDisable,
    String statPrefix,
    Optional<List<StringMatch>> allowedHeaders,
    List<StringMatch> disallowedHeaders) {

  public static final String FILTER_NAME = "envoy.filters.http.ext_authz";
  public static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz";
  public static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthzPerRoute";

  /** Envoy's default deadline of a gRPC check when {@code grpc_service.timeout} is unset. */
  static final Duration DEFAULT_GRPC_TIMEOUT = Duration.ofMillis(200);

  /** Where checks go. */
  sealed interface Service permits GrpcAuthz, HttpAuthz {
    String cluster();

    Duration timeout();
  }

  /**
   * {@code grpc_service.envoy_grpc}: {@code Authorization/Check} over the cluster's HTTP/2 pool.
   *
   * @param authority the call's {@code :authority}; the cluster name when unset, as Envoy does
   */
  record GrpcAuthz(
      String cluster,
      String authority,
      Duration timeout,
      List<Map.Entry<String, String>> initialMetadata)
      implements Service {}

  /**
   * {@code http_service}: the client's request, with headers selected, re-sent to {@code
   * path_prefix + path} on the service's cluster.
   */
  record HttpAuthz(
      String cluster,
      Duration timeout,
      String pathPrefix,
      List<Map.Entry<String, String>> headersToAdd,
      Optional<List<StringMatch>> allowedUpstreamHeaders,
      List<StringMatch> allowedUpstreamHeadersToAppend,
      Optional<List<StringMatch>> allowedClientHeaders,
      List<StringMatch> allowedClientHeadersOnSuccess)
      implements Service {}

  /** {@code with_request_body}. */
  record BodySettings(int maxRequestBytes, boolean allowPartialMessage, boolean packAsBytes) {}

  /** A {@code RuntimeFractionalPercent}'s default value, drawn per request. */
  record Fraction(long numerator, long denominator) {
    static final Fraction ALWAYS = new Fraction(1, 1);
  }

  /**
   * {@code ExtAuthzPerRoute}: {@code disabled}, or check settings that replace the filter's for the
   * route (context extensions merged across levels, less specific first).
   */
  public record PerRoute(
      boolean disabled,
      Map<String, String> contextExtensions,
      boolean disableRequestBodyBuffering,
      Optional<BodySettings> withRequestBody) {}

  /** Unpacks and validates an {@code HttpFilter.typed_config}; errors name {@code path}. */
  public static ExtAuthzConfig from(Any typedConfig, String path) throws ConfigException {
    if (!typedConfig.getTypeUrl().equals(TYPE_URL)) {
      throw new ConfigException(path, "expected " + TYPE_URL + ", got " + typedConfig.getTypeUrl());
    }
    try {
      return from(typedConfig.unpack(ExtAuthz.class), path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an ExtAuthz: " + e.getMessage());
    }
  }

  static ExtAuthzConfig from(ExtAuthz proto, String path) throws ConfigException {
    Service service =
        switch (proto.getServicesCase()) {
          case GRPC_SERVICE -> grpc(proto.getGrpcService(), path + ".grpc_service");
          case HTTP_SERVICE -> http(proto.getHttpService(), path + ".http_service");
          default ->
              throw new ConfigException(path, "one of grpc_service or http_service is required");
        };
    int statusOnError = 403;
    if (proto.hasStatusOnError() && proto.getStatusOnError().getCodeValue() != 0) {
      statusOnError = proto.getStatusOnError().getCodeValue();
    }
    Fraction enabled =
        proto.hasFilterEnabled()
            ? fraction(proto.getFilterEnabled(), path + ".filter_enabled")
            : Fraction.ALWAYS;
    return new ExtAuthzConfig(
        service,
        proto.getFailureModeAllow(),
        proto.getFailureModeAllowHeaderAdd(),
        proto.hasWithRequestBody()
            ? Optional.of(body(proto.getWithRequestBody(), path + ".with_request_body"))
            : Optional.empty(),
        proto.getClearRouteCache(),
        statusOnError,
        enabled,
        proto.hasDenyAtDisable() && proto.getDenyAtDisable().getDefaultValue().getValue(),
        proto.getStatPrefix(),
        proto.hasAllowedHeaders()
            ? Optional.of(matchers(proto.getAllowedHeaders(), path + ".allowed_headers"))
            : Optional.empty(),
        proto.hasDisallowedHeaders()
            ? matchers(proto.getDisallowedHeaders(), path + ".disallowed_headers")
            : List.of());
  }

  /** Unpacks and validates an {@code ExtAuthzPerRoute}; errors name {@code path}. */
  public static PerRoute perRoute(Any typedConfig, String path) throws ConfigException {
    ExtAuthzPerRoute proto;
    try {
      proto = typedConfig.unpack(ExtAuthzPerRoute.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not an ExtAuthzPerRoute: " + e.getMessage());
    }
    return switch (proto.getOverrideCase()) {
      case DISABLED -> {
        if (!proto.getDisabled()) {
          throw new ConfigException(path + ".disabled", "must be true when set");
        }
        yield new PerRoute(true, Map.of(), false, Optional.empty());
      }
      case CHECK_SETTINGS -> {
        var settings = proto.getCheckSettings();
        if (settings.getDisableRequestBodyBuffering() && settings.hasWithRequestBody()) {
          throw new ConfigException(
              path + ".check_settings",
              "disable_request_body_buffering and with_request_body cannot both be set");
        }
        yield new PerRoute(
            false,
            Map.copyOf(settings.getContextExtensionsMap()),
            settings.getDisableRequestBodyBuffering(),
            settings.hasWithRequestBody()
                ? Optional.of(
                    body(settings.getWithRequestBody(), path + ".check_settings.with_request_body"))
                : Optional.empty());
      }
      default -> throw new ConfigException(path, "one of disabled or check_settings is required");
    };
  }

  private static GrpcAuthz grpc(GrpcService grpc, String path) throws ConfigException {
    if (grpc.hasGoogleGrpc()) {
      throw new ConfigException(path + ".google_grpc", "only envoy_grpc (a cluster) is supported");
    }
    if (!grpc.hasEnvoyGrpc() || grpc.getEnvoyGrpc().getClusterName().isEmpty()) {
      throw new ConfigException(path + ".envoy_grpc.cluster_name", "is required");
    }
    if (grpc.hasRetryPolicy() || grpc.getEnvoyGrpc().hasRetryPolicy()) {
      throw new ConfigException(
          path + (grpc.hasRetryPolicy() ? ".retry_policy" : ".envoy_grpc.retry_policy"),
          "not supported: checks are not retried");
    }
    String cluster = grpc.getEnvoyGrpc().getClusterName();
    String authority =
        grpc.getEnvoyGrpc().getAuthority().isEmpty() ? cluster : grpc.getEnvoyGrpc().getAuthority();
    Duration timeout =
        grpc.hasTimeout()
            ? Duration.ofSeconds(grpc.getTimeout().getSeconds(), grpc.getTimeout().getNanos())
            : DEFAULT_GRPC_TIMEOUT;
    List<Map.Entry<String, String>> metadata = new ArrayList<>();
    for (HeaderValue h : grpc.getInitialMetadataList()) {
      metadata.add(Map.entry(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    }
    return new GrpcAuthz(cluster, authority, timeout, List.copyOf(metadata));
  }

  private static HttpAuthz http(HttpService http, String path) throws ConfigException {
    if (!http.hasServerUri()) {
      throw new ConfigException(path + ".server_uri", "is required");
    }
    var uri = http.getServerUri();
    if (uri.getCluster().isEmpty()) {
      throw new ConfigException(path + ".server_uri.cluster", "is required");
    }
    if (uri.getUri().isEmpty()) {
      throw new ConfigException(path + ".server_uri.uri", "is required");
    }
    if (!uri.hasTimeout()) {
      throw new ConfigException(path + ".server_uri.timeout", "is required");
    }
    String prefix = http.getPathPrefix();
    if (!prefix.isEmpty() && !prefix.startsWith("/")) {
      throw new ConfigException(path + ".path_prefix", "must start with \"/\"");
    }
    List<Map.Entry<String, String>> headersToAdd = new ArrayList<>();
    for (HeaderValue h : http.getAuthorizationRequest().getHeadersToAddList()) {
      headersToAdd.add(Map.entry(h.getKey().toLowerCase(java.util.Locale.ROOT), h.getValue()));
    }
    var response = http.getAuthorizationResponse();
    String rp = path + ".authorization_response";
    return new HttpAuthz(
        uri.getCluster(),
        Duration.ofSeconds(uri.getTimeout().getSeconds(), uri.getTimeout().getNanos()),
        prefix,
        List.copyOf(headersToAdd),
        response.hasAllowedUpstreamHeaders()
            ? Optional.of(
                matchers(response.getAllowedUpstreamHeaders(), rp + ".allowed_upstream_headers"))
            : Optional.empty(),
        matchers(
            response.getAllowedUpstreamHeadersToAppend(),
            rp + ".allowed_upstream_headers_to_append"),
        response.hasAllowedClientHeaders()
            ? Optional.of(
                matchers(response.getAllowedClientHeaders(), rp + ".allowed_client_headers"))
            : Optional.empty(),
        matchers(
            response.getAllowedClientHeadersOnSuccess(),
            rp + ".allowed_client_headers_on_success"));
  }

  private static BodySettings body(BufferSettings settings, String path) throws ConfigException {
    if (settings.getMaxRequestBytes() == 0) {
      throw new ConfigException(path + ".max_request_bytes", "must be greater than 0");
    }
    return new BodySettings(
        (int) Math.min(Integer.MAX_VALUE, Integer.toUnsignedLong(settings.getMaxRequestBytes())),
        settings.getAllowPartialMessage(),
        settings.getPackAsBytes());
  }

  private static Fraction fraction(RuntimeFractionalPercent proto, String path)
      throws ConfigException {
    long denominator =
        switch (proto.getDefaultValue().getDenominator()) {
          case HUNDRED -> 100L;
          case TEN_THOUSAND -> 10_000L;
          case MILLION -> 1_000_000L;
          default ->
              throw new ConfigException(
                  path + ".default_value.denominator",
                  "unknown denominator " + proto.getDefaultValue().getDenominatorValue());
        };
    return new Fraction(
        Integer.toUnsignedLong(proto.getDefaultValue().getNumerator()), denominator);
  }

  /**
   * A header-name list: Envoy matches header names case-insensitively here, so an exact, prefix,
   * suffix or contains matcher ignores case.
   */
  private static List<StringMatch> matchers(ListStringMatcher list, String path)
      throws ConfigException {
    List<StringMatch> out = new ArrayList<>();
    for (int i = 0; i < list.getPatternsCount(); i++) {
      StringMatcher m = list.getPatterns(i);
      if (m.getMatchPatternCase() != StringMatcher.MatchPatternCase.SAFE_REGEX) {
        m = m.toBuilder().setIgnoreCase(true).build();
      }
      out.add(StringMatch.compile(m, path + ".patterns[" + i + "]"));
    }
    return List.copyOf(out);
  }

  static boolean anyMatches(List<StringMatch> matchers, String name) {
    for (StringMatch m : matchers) {
      if (m.matches(name)) {
        return true;
      }
    }
    return false;
  }
}
