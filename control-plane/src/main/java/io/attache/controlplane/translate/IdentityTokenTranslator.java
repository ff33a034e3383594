package io.attache.controlplane.translate;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.Duration;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.api.ext.v1.ServiceIdentityTokenPerRoute;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.policy.IdentityTokens;
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
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * {@code defaults.identity_token} → what sidecars need to mint and verify JWT-SVIDs: on an Attaché
 * proxy with an identity of the trust domain, the minting filter on its outbound listener and an
 * audience (the destination service) on each outbound route; on every sidecar with an app (Attaché
 * or stock Envoy), an {@code envoy.filters.http.jwt_authn} on the inbound side and the cluster it
 * fetches the control plane's JWKS through. A stock Envoy cannot mint, so its calls carry no token
 * and reach callees as unauthenticated (allowed, no verified caller). Pure.
 */
final class IdentityTokenTranslator {

  /** The jwt_authn provider's name; also in the rule's requirement. */
  static final String PROVIDER = "attache-identity-token";

  /**
   * Where jwt_authn puts the verified payload (under the envoy.filters.http.jwt_authn dynamic
   * metadata namespace), for RBAC's metadata principals.
   */
  static final String PAYLOAD_METADATA_KEY = "identity_token";

  static final String JWT_AUTHN_METADATA_NAMESPACE = "envoy.filters.http.jwt_authn";

  /**
   * How long a verifier caches the JWKS. Rotation needs no refetch (the next key is published a
   * whole 6 h period ahead); this bounds how long a verifier refuses a brand-new identity's tokens.
   */
  static final Duration JWKS_CACHE_DURATION = Duration.newBuilder().setSeconds(60).build();

  private static final Duration JWKS_FETCH_TIMEOUT = Duration.newBuilder().setSeconds(5).build();

  private final String trustDomain;
  private final Supplier<JwksEndpoint> jwks;

  /**
   * {@code jwks} is read on each translation: the control plane knows its REST port only once
   * bound, which it is before the xDS server serves any proxy.
   */
  IdentityTokenTranslator(String trustDomain, Supplier<JwksEndpoint> jwks) {
    this.trustDomain = trustDomain;
    this.jwks = jwks;
  }

  /** The trust domain's issuer, the tokens' "iss". */
  String issuer() {
    return "spiffe://" + trustDomain;
  }

  /** True when the group's proxies mint tokens on their outbound routes. */
  boolean mints(PolicySnapshot policy, ProxyGroup group) {
    return IdentityTokens.of(policy.defaults()).enabled()
        && group.kind() == ClientKind.ATTACHE_PROXY
        && SpiffeId.parse(group.identity())
            .filter(id -> id.trustDomain().equals(trustDomain))
            .isPresent();
  }

  /** True when the group's inbound side verifies tokens (and so needs the JWKS cluster). */
  boolean verifies(PolicySnapshot policy, ProxyGroup group) {
    return IdentityTokens.of(policy.defaults()).enabled()
        && group.kind().isProxy()
        && group.sidecar().hasApp();
  }

  /** The minting filter, for the outbound listener of a group that {@link #mints}. */
  HttpFilter mintingFilter(PolicySnapshot policy, ProxyGroup group) {
    IdentityTokens settings = IdentityTokens.of(policy.defaults());
    return HttpFilter.newBuilder()
        .setName(XdsNames.SERVICE_IDENTITY_TOKEN_FILTER)
        .setTypedConfig(
            Any.pack(
                ServiceIdentityToken.newBuilder()
                    .setIssuer(issuer())
                    .setSubject(group.identity())
                    .setSigningKeySdsSecretName(XdsNames.JWT_SVID_SIGNING_KEY_SECRET)
                    .setHeader(settings.header())
                    .setLifetime(settings.lifetime())
                    .build()))
        .build();
  }

  /** A route's typed_per_filter_config entry naming the callee the token is for. */
  static Map.Entry<String, Any> audience(String service) {
    return Map.entry(
        XdsNames.SERVICE_IDENTITY_TOKEN_FILTER,
        Any.pack(ServiceIdentityTokenPerRoute.newBuilder().setAudience(service).build()));
  }

  /**
   * The inbound jwt_authn of a group that {@link #verifies}: tokens for this service from the trust
   * domain's issuer, keys from the JWKS cluster; the token itself is not forwarded to the app, the
   * verified "sub" is (in {@link IdentityTokens#CALLER_HEADER}, which jwt_authn first removes from
   * the request, as Envoy's sanitizePayloadHeaders does), and the payload goes to the dynamic
   * metadata for RBAC. A request without a token passes (requires_any [provider, allow_missing]); a
   * bad signature, an expired token or one for another audience is refused and counted.
   */
  HttpFilter verifyingFilter(PolicySnapshot policy, ProxyGroup group) {
    IdentityTokens settings = IdentityTokens.of(policy.defaults());
    JwtHeader.Builder from = JwtHeader.newBuilder().setName(settings.header());
    if (settings.bearer()) {
      from.setValuePrefix("Bearer ");
    }
    JwtProvider provider =
        JwtProvider.newBuilder()
            .setIssuer(issuer())
            .addAudiences(group.cluster())
            .setRemoteJwks(
                RemoteJwks.newBuilder()
                    .setHttpUri(
                        HttpUri.newBuilder()
                            .setUri(jwks.get().uri())
                            .setCluster(XdsNames.JWKS_CLUSTER)
                            .setTimeout(JWKS_FETCH_TIMEOUT))
                    .setCacheDuration(JWKS_CACHE_DURATION))
            .addFromHeaders(from)
            .setForward(false)
            .addClaimToHeaders(
                JwtClaimToHeader.newBuilder()
                    .setHeaderName(IdentityTokens.CALLER_HEADER)
                    .setClaimName("sub"))
            .setPayloadInMetadata(PAYLOAD_METADATA_KEY)
            .build();
    JwtRequirement optional =
        JwtRequirement.newBuilder()
            .setRequiresAny(
                JwtRequirementOrList.newBuilder()
                    .addRequirements(JwtRequirement.newBuilder().setProviderName(PROVIDER))
                    .addRequirements(
                        JwtRequirement.newBuilder()
                            .setAllowMissing(com.google.protobuf.Empty.getDefaultInstance())))
            .build();
    return HttpFilter.newBuilder()
        .setName(XdsNames.IDENTITY_TOKEN_AUTHN_FILTER)
        .setTypedConfig(
            Any.pack(
                JwtAuthentication.newBuilder()
                    .putProviders(PROVIDER, provider)
                    .addRules(
                        RequirementRule.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRequires(optional))
                    .build()))
        .build();
  }

  /**
   * The control plane's REST port as proxies reach it ({@link JwksFetchCluster}); over TLS,
   * validated against the REST API's certificate, when it serves HTTPS.
   */
  Cluster jwksCluster(Optional<Duration> connectTimeout) {
    JwksEndpoint jwks = this.jwks.get();
    return JwksFetchCluster.of(
        XdsNames.JWKS_CLUSTER,
        jwks.host(),
        jwks.port(),
        connectTimeout,
        jwks.trustedCaPem()
            .map(
                pem ->
                    CertificateValidationContext.newBuilder()
                        .setTrustedCa(
                            DataSource.newBuilder()
                                .setInlineBytes(
                                    ByteString.copyFrom(pem, StandardCharsets.US_ASCII)))
                        .build()));
  }
}
