package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.validate.EnvoyRuleValidator;
import io.attache.controlplane.validate.EnvoyTypeRegistry;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RequestAuthenticationTranslatorTest {

  private static final Sidecar WITH_APP =
      new Sidecar("0.0.0.0", 15001, "0.0.0.0", 15006, "127.0.0.1", 9102);
  private static final ProxyGroup PAYMENTS = new ProxyGroup("payments", ClientKind.PROXY, WITH_APP);

  private static final String JWKS =
      "{\"keys\": [{\"kty\": \"RSA\", \"kid\": \"k1\", \"n\": \"AQAB\", \"e\": \"AQAB\"}]}";

  private final SnapshotTranslator translator = new SnapshotTranslator();

  @Test
  void givesAServiceWithoutRequestAuthenticationNoJwtFilterAndNoJwksCluster() throws Exception {
    PolicySnapshot policy = policy(service("payments", 9001));

    assertThat(inboundFilterNames(policy)).containsExactly(XdsNames.ROUTER_FILTER);
    assertThat(translator.translate(policy, PAYMENTS).clusters())
        .extracting(Cluster::getName)
        .noneMatch(name -> name.startsWith("jwks|"));
  }

  @Test
  void translatesInlineRulesIntoItsOwnJwtAuthnInstanceThatAllowsAMissingTokenOnly()
      throws Exception {
    PolicySnapshot policy =
        policy(
            authenticated(
                """
                {"jwt_rules": [{"issuer": "https://issuer.example", "audiences": ["payments"],
                   "jwks": %s,
                   "output_claim_to_headers": [{"header": "x-user-group", "claim": "group"}],
                   "output_payload_to_header": "x-jwt-payload"},
                  {"issuer": "partner", "jwks": %s,
                   "from_headers": [{"name": "x-partner-token"}], "from_params": ["token"],
                   "forward_original_token": true}]}"""
                    .formatted(quoted(JWKS), quoted(JWKS))),
            authorization(
                """
                {"name": "users-only", "target": "payments",
                 "rules": [{"from": {"request_principals": ["*"]}}]}"""));

    assertThat(inboundFilterNames(policy))
        .containsExactly(
            RequestAuthenticationTranslator.FILTER_NAME,
            XdsNames.RBAC_FILTER,
            XdsNames.ROUTER_FILTER);
    assertThat(inboundFilter(policy, 0).getTypedConfig().unpack(JwtAuthentication.class))
        .isEqualTo(
            envoy(
                """
                {"stat_prefix": "request_authn.",
                 "providers": {
                   "jwt_rules[0]": {"issuer": "https://issuer.example", "audiences": ["payments"],
                     "local_jwks": {"inline_string": %s},
                     "claim_to_headers": [{"header_name": "x-user-group", "claim_name": "group"}],
                     "forward_payload_header": "x-jwt-payload",
                     "payload_in_metadata": "request_auth"},
                   "jwt_rules[1]": {"issuer": "partner", "local_jwks": {"inline_string": %s},
                     "from_headers": [{"name": "x-partner-token"}], "from_params": ["token"],
                     "forward": true, "payload_in_metadata": "request_auth"}},
                 "rules": [{"match": {"prefix": "/"}, "requires": {"requires_any": {"requirements": [
                   {"provider_name": "jwt_rules[0]"}, {"provider_name": "jwt_rules[1]"},
                   {"allow_missing": {}}]}}}]}"""
                    .formatted(quoted(JWKS), quoted(JWKS)),
                JwtAuthentication.newBuilder()));
    assertThat(violations(policy)).isEmpty();
  }

  @Test
  void fetchesRemoteKeysThroughOneGeneratedClusterPerHostAndPortWithTlsForHttps() throws Exception {
    PolicySnapshot policy =
        policy(
            authenticated(
                """
                {"jwt_rules": [
                  {"issuer": "a", "jwks_uri": "https://Keys.Example.com/a/jwks.json"},
                  {"issuer": "b", "jwks_uri": "https://keys.example.com/b/jwks.json"},
                  {"issuer": "c", "jwks_uri": "http://127.0.0.1:8081/jwks"}]}"""));

    List<Cluster> jwks =
        translator.translate(policy, PAYMENTS).clusters().stream()
            .filter(c -> c.getName().startsWith("jwks|"))
            .toList();

    assertThat(jwks)
        .extracting(Cluster::getName)
        .containsExactly("jwks|127.0.0.1|8081", "jwks|keys.example.com|443");
    assertThat(jwks.get(0).getType()).isEqualTo(Cluster.DiscoveryType.STATIC);
    assertThat(jwks.get(0).hasTransportSocket()).isFalse();
    assertThat(jwks.get(1).getType()).isEqualTo(Cluster.DiscoveryType.STRICT_DNS);
    assertThat(jwks.get(1).getTransportSocket().getTypedConfig().unpack(UpstreamTlsContext.class))
        .isEqualTo(
            envoy(
                """
                {"sni": "keys.example.com", "common_tls_context": {"validation_context": {
                   "trusted_ca": {"filename": "/etc/ssl/certs/ca-certificates.crt"},
                   "match_typed_subject_alt_names": [
                     {"san_type": "DNS", "matcher": {"exact": "keys.example.com"}}]}}}""",
                UpstreamTlsContext.newBuilder()));
    JwtAuthentication config =
        inboundFilter(policy, 0).getTypedConfig().unpack(JwtAuthentication.class);
    assertThat(config.getProvidersOrThrow("jwt_rules[1]").getRemoteJwks())
        .isEqualTo(
            envoy(
                """
                {"http_uri": {"uri": "https://keys.example.com/b/jwks.json",
                  "cluster": "jwks|keys.example.com|443", "timeout": "5s"}}""",
                io.envoyproxy.envoy.extensions.filters.http.jwt_authn.v3.RemoteJwks.newBuilder()));
    assertThat(
            translator.translate(policy, new ProxyGroup("payments", ClientKind.PROXY)).clusters())
        .as("a proxy without the app fronts no inbound side and fetches no keys")
        .extracting(Cluster::getName)
        .noneMatch(name -> name.startsWith("jwks|"));
    assertThat(violations(policy)).isEmpty();
  }

  @Test
  void matchesRequestPrincipalsOnTheVerifiedIssuerAndSubjectInTheDynamicMetadata()
      throws Exception {
    PolicySnapshot policy =
        policy(
            authenticated(
                "{\"jwt_rules\": [{\"issuer\": \"https://issuer.example\", \"jwks\": "
                    + quoted(JWKS)
                    + "}]}"),
            authorization(
                """
                {"name": "alice", "target": "payments",
                 "rules": [{"from": {"request_principals": [
                   "https://issuer.example/alice", "https://issuer.example/ops-*", "*/bob"]}}]}"""));

    assertThat(rbac(policy, 1))
        .isEqualTo(
            envoy(
                """
                {"action": "ALLOW", "policies": {"alice.rules[0]": {
                  "principals": [
                    {"and_ids": {"ids": [%s, %s]}},
                    {"and_ids": {"ids": [%s, %s]}},
                    %s],
                  "permissions": [{"any": true}]}}}"""
                    .formatted(
                        payload("iss", "{\"exact\": \"https://issuer.example\"}"),
                        payload("sub", "{\"exact\": \"alice\"}"),
                        payload("iss", "{\"exact\": \"https://issuer.example\"}"),
                        payload("sub", "{\"prefix\": \"ops-\"}"),
                        payload("sub", "{\"exact\": \"bob\"}")),
                RBAC.newBuilder()));
    assertThat(violations(policy)).isEmpty();
  }

  @Test
  void matchesAClaimConditionWhetherTheClaimIsAStringOrAListOfStrings() throws Exception {
    PolicySnapshot policy =
        policy(
            authenticated("{\"jwt_rules\": [{\"issuer\": \"i\", \"jwks\": " + quoted(JWKS) + "}]}"),
            authorization(
                """
                {"name": "admins", "target": "payments", "action": "ALLOW",
                 "rules": [{"from": {"request_claims": [
                   {"claim": ["realm", "groups"], "values": ["admin", "ops-*"]}]}}]}"""));

    String metadata =
        "{\"metadata\": {\"filter\": \"envoy.filters.http.jwt_authn\", \"path\": [{\"key\":"
            + " \"request_auth\"}, {\"key\": \"realm\"}, {\"key\": \"groups\"}], \"value\": %s}}";
    RBAC expected =
        envoy(
            """
            {"policies": {"admins.rules[0]": {"principals": [%s, %s, %s, %s],
              "permissions": [{"any": true}]}}}"""
                .formatted(
                    metadata.formatted("{\"string_match\": {\"exact\": \"admin\"}}"),
                    metadata.formatted(
                        "{\"list_match\": {\"one_of\": {\"string_match\":"
                            + " {\"exact\": \"admin\"}}}}"),
                    metadata.formatted("{\"string_match\": {\"prefix\": \"ops-\"}}"),
                    metadata.formatted(
                        "{\"list_match\": {\"one_of\": {\"string_match\":"
                            + " {\"prefix\": \"ops-\"}}}}")),
            RBAC.newBuilder());
    assertThat(rbac(policy, 1)).isEqualTo(expected);
    assertThat(violations(policy)).isEmpty();
  }

  private static String payload(String claim, String stringMatch) {
    return "{\"metadata\": {\"filter\": \"envoy.filters.http.jwt_authn\", \"path\": [{\"key\":"
        + " \"request_auth\"}, {\"key\": \""
        + claim
        + "\"}], \"value\": {\"string_match\": "
        + stringMatch
        + "}}}";
  }

  /** What the control plane's own check (Envoy's PGV rules) says of every generated resource. */
  private static List<String> violations(PolicySnapshot policy) {
    try {
      new TranslatedPolicyCheck(new EnvoyRuleValidator(EnvoyTypeRegistry.get())).check(policy);
      return List.of();
    } catch (io.attache.controlplane.policy.PolicyRejection e) {
      return List.of(e.field() + ": " + e.getMessage());
    }
  }

  private List<String> inboundFilterNames(PolicySnapshot policy) throws Exception {
    return hcm(policy).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  private HttpFilter inboundFilter(PolicySnapshot policy, int index) throws Exception {
    return hcm(policy).getHttpFilters(index);
  }

  private RBAC rbac(PolicySnapshot policy, int index) throws Exception {
    return inboundFilter(policy, index)
        .getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
        .getRules();
  }

  private HttpConnectionManager hcm(PolicySnapshot policy) throws Exception {
    Listener inbound =
        translator.translate(policy, PAYMENTS).listeners().stream()
            .filter(l -> l.getName().equals(XdsNames.INBOUND_LISTENER))
            .findFirst()
            .orElseThrow();
    return inbound
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  private static String quoted(String json) {
    return "\"" + json.replace("\"", "\\\"") + "\"";
  }

  private static Service authenticated(String requestAuthentication)
      throws InvalidProtocolBufferException {
    Service.Builder builder = service("payments", 9001).toBuilder();
    JsonFormat.parser()
        .merge("{\"request_authentication\": " + requestAuthentication + "}", builder);
    return builder.build();
  }

  private static Authorization authorization(String json) throws InvalidProtocolBufferException {
    Authorization.Builder builder = Authorization.newBuilder();
    JsonFormat.parser().merge(json, builder);
    return builder.build();
  }

  @SuppressWarnings("unchecked")
  private static <T extends Message> T envoy(String json, Message.Builder builder)
      throws InvalidProtocolBufferException {
    JsonFormat.parser().merge(json, builder);
    return (T) builder.build();
  }

  private static PolicySnapshot policy(Service service, Authorization... authorizations) {
    TreeMap<String, Authorization> byName = new TreeMap<>();
    for (Authorization authorization : authorizations) {
      byName.put(authorization.getName(), authorization);
    }
    TreeMap<String, Service> services = new TreeMap<>();
    services.put(service.getName(), service);
    return new PolicySnapshot(
        1,
        BuiltInMeshDefaults.get(),
        services,
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        byName);
  }
}
