package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import com.google.protobuf.Empty;
import io.attache.api.policy.v1.ClaimToHeader;
import io.attache.api.policy.v1.JwtHeaderLocation;
import io.attache.api.policy.v1.JwtRule;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.JwksUri;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtClaimToHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtHeader;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtProvider;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirement;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtRequirementOrList;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RequirementRule;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A service's {@code request_authentication} → its sidecars' own {@code jwt_authn} filter instance
 * on the inbound listener (named {@value #FILTER_NAME}, so it never collides with another jwt_authn
 * instance such as the mesh's service-identity one), plus a fetch cluster per JWKS URI host:port.
 * Istio's semantics: each rule is a provider; the requirement for every path is "any provider, or
 * no token at all" ({@code requires_any} with {@code allow_missing}), so a bad token is 401 and a
 * missing one passes on to the authorization policies, which see every verified payload in the
 * dynamic metadata under {@link #PAYLOAD_METADATA_KEY}. Pure; must never emit anything for a
 * service without request_authentication.
 */
public final class RequestAuthenticationTranslator {

  /** The filter instance's name on the inbound listener. */
  public static final String FILTER_NAME = "envoy.filters.http.jwt_authn.request_authn";

  /** Where jwt_authn writes verified payloads: Envoy's namespace, whatever the instance name. */
  public static final String METADATA_NAMESPACE = "envoy.filters.http.jwt_authn";

  /** The payload_in_metadata field of every provider: authorization policies match below it. */
  public static final String PAYLOAD_METADATA_KEY = "request_auth";

  /** Stats: http.inbound.jwt_authn.request_authn.{allowed,denied,...}. */
  static final String STAT_PREFIX = "request_authn.";

  /** The CA bundle an https JWKS fetch is verified against (Debian's and Ubuntu's path). */
  static final String SYSTEM_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt";

  private static final Duration FETCH_TIMEOUT = Duration.newBuilder().setSeconds(5).build();
  private static final Duration DEFAULT_CONNECT_TIMEOUT =
      Duration.newBuilder().setSeconds(5).build();

  /** The inbound filter for proxies of {@code service}; empty when it authenticates no requests. */
  public Optional<HttpFilter> inboundFilter(PolicySnapshot policy, String service) {
    Service authenticated = policy.services().get(service);
    if (authenticated == null || !authenticated.hasRequestAuthentication()) {
      return Optional.empty();
    }
    JwtAuthentication.Builder config = JwtAuthentication.newBuilder().setStatPrefix(STAT_PREFIX);
    JwtRequirementOrList.Builder any = JwtRequirementOrList.newBuilder();
    List<JwtRule> rules = authenticated.getRequestAuthentication().getJwtRulesList();
    for (int i = 0; i < rules.size(); i++) {
      String provider = "jwt_rules[" + i + "]";
      config.putProviders(provider, provider(rules.get(i)));
      any.addRequirements(JwtRequirement.newBuilder().setProviderName(provider));
    }
    any.addRequirements(JwtRequirement.newBuilder().setAllowMissing(Empty.getDefaultInstance()));
    config.addRules(
        RequirementRule.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setRequires(JwtRequirement.newBuilder().setRequiresAny(any)));
    return Optional.of(
        HttpFilter.newBuilder()
            .setName(FILTER_NAME)
            .setTypedConfig(Any.pack(config.build()))
            .build());
  }

  /** The JWKS fetch clusters the sidecars of {@code service} need, one per URI host:port. */
  public List<Cluster> jwksClusters(PolicySnapshot policy, String service) {
    Service authenticated = policy.services().get(service);
    if (authenticated == null) {
      return List.of();
    }
    SortedMap<String, Cluster> clusters = new TreeMap<>();
    for (JwtRule rule : authenticated.getRequestAuthentication().getJwtRulesList()) {
      jwksUri(rule)
          .ifPresent(
              uri -> clusters.putIfAbsent(clusterName(uri), cluster(uri, policy.defaults())));
    }
    return List.copyOf(clusters.values());
  }

  /** Istio's outbound cluster naming, so the fetch shows up as what it is in stats. */
  static String clusterName(JwksUri uri) {
    return "jwks|" + uri.host() + "|" + uri.port();
  }

  private static Optional<JwksUri> jwksUri(JwtRule rule) {
    return rule.getJwksUri().isEmpty()
        ? Optional.empty()
        : JwksUri.parse(rule.getJwksUri(), new StringBuilder());
  }

  private static JwtProvider provider(JwtRule rule) {
    JwtProvider.Builder provider =
        JwtProvider.newBuilder()
            .setIssuer(rule.getIssuer())
            .addAllAudiences(rule.getAudiencesList())
            .setForward(rule.getForwardOriginalToken())
            .setPayloadInMetadata(PAYLOAD_METADATA_KEY)
            .addAllFromParams(rule.getFromParamsList());
    Optional<JwksUri> uri = jwksUri(rule);
    if (uri.isPresent()) {
      provider.setRemoteJwks(
          RemoteJwks.newBuilder()
              .setHttpUri(
                  HttpUri.newBuilder()
                      .setUri(uri.get().uri())
                      .setCluster(clusterName(uri.get()))
                      .setTimeout(FETCH_TIMEOUT)));
    } else {
      provider.setLocalJwks(DataSource.newBuilder().setInlineString(rule.getJwks()));
    }
    for (JwtHeaderLocation header : rule.getFromHeadersList()) {
      provider.addFromHeaders(
          JwtHeader.newBuilder().setName(header.getName()).setValuePrefix(header.getPrefix()));
    }
    for (ClaimToHeader claim : rule.getOutputClaimToHeadersList()) {
      provider.addClaimToHeaders(
          JwtClaimToHeader.newBuilder()
              .setHeaderName(claim.getHeader())
              .setClaimName(claim.getClaim()));
    }
    if (!rule.getOutputPayloadToHeader().isEmpty()) {
      provider.setForwardPayloadHeader(rule.getOutputPayloadToHeader());
    }
    return provider.build();
  }

  /**
   * The fetch cluster ({@link JwksFetchCluster}); for https the server's certificate is verified
   * against the system CA bundle and the URI's host.
   */
  private static Cluster cluster(JwksUri uri, MeshDefaults defaults) {
    Optional<CertificateValidationContext> validation =
        uri.https()
            ? Optional.of(
                CertificateValidationContext.newBuilder()
                    .setTrustedCa(DataSource.newBuilder().setFilename(SYSTEM_CA_BUNDLE))
                    .addMatchTypedSubjectAltNames(
                        SubjectAltNameMatcher.newBuilder()
                            .setSanType(
                                uri.hostIsIp()
                                    ? SubjectAltNameMatcher.SanType.IP_ADDRESS
                                    : SubjectAltNameMatcher.SanType.DNS)
                            .setMatcher(StringMatcher.newBuilder().setExact(uri.host())))
                    .build())
            : Optional.empty();
    return JwksFetchCluster.of(
        clusterName(uri),
        uri.host(),
        uri.port(),
        Optional.of(
            defaults.hasConnectTimeout() ? defaults.getConnectTimeout() : DEFAULT_CONNECT_TIMEOUT),
        validation);
  }
}
