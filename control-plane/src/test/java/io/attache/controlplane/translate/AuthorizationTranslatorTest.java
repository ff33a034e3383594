package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.attache.api.policy.v1.Authorization;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.rbac.v3.RBAC;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class AuthorizationTranslatorTest {

  private static final Sidecar WITH_APP =
      new Sidecar("0.0.0.0", 15001, "0.0.0.0", 15006, "127.0.0.1", 9102);
  private static final ProxyGroup PAYMENTS = new ProxyGroup("payments", ClientKind.PROXY, WITH_APP);

  private static final String ORDERS_MAY_CHARGE =
      """
      {"name": "orders-may-charge", "target": "payments", "action": "ALLOW",
       "rules": [{"from": {"principals": ["spiffe://attache.local/ns/default/sa/orders"]},
                  "to": {"methods": ["POST"], "paths": ["/charge"]}}]}""";

  private final SnapshotTranslator translator = new SnapshotTranslator();

  @Test
  void givesAProxyWithoutPoliciesNoRbacFilter() throws Exception {
    PolicySnapshot policy = policy(authorization(ORDERS_MAY_CHARGE.replace("payments", "other")));

    assertThat(inboundFilterNames(policy, PAYMENTS)).containsExactly(XdsNames.ROUTER_FILTER);
  }

  @Test
  void translatesAnAllowPolicyIntoAnAllowFilterBeforeTheRouter() throws Exception {
    PolicySnapshot policy = policy(authorization(ORDERS_MAY_CHARGE));

    assertThat(inboundFilterNames(policy, PAYMENTS))
        .containsExactly(XdsNames.RBAC_FILTER, XdsNames.ROUTER_FILTER);
    assertThat(rbac(policy, PAYMENTS, 0))
        .isEqualTo(
            envoy(
                """
                {"action": "ALLOW", "policies": {"orders-may-charge.rules[0]": {
                  "principals": [{"authenticated": {"principal_name":
                      {"exact": "spiffe://attache.local/ns/default/sa/orders"}}}],
                  "permissions": [{"and_rules": {"rules": [
                      {"header": {"name": ":method", "string_match": {"exact": "POST"}}},
                      {"url_path": {"path": {"exact": "/charge"}}}]}}]}}}""",
                RBAC.newBuilder()));
  }

  @Test
  void evaluatesDenyPoliciesInAFilterBeforeTheAllowFilter() throws Exception {
    PolicySnapshot policy =
        policy(
            authorization(ORDERS_MAY_CHARGE),
            authorization(
                """
                {"name": "no-admin", "target": "payments", "action": "DENY",
                 "rules": [{"to": {"paths": ["/admin/*"]}}]}"""));

    assertThat(inboundFilterNames(policy, PAYMENTS))
        .containsExactly(XdsNames.RBAC_FILTER, XdsNames.RBAC_FILTER, XdsNames.ROUTER_FILTER);
    assertThat(rbac(policy, PAYMENTS, 0))
        .isEqualTo(
            envoy(
                """
                {"action": "DENY", "policies": {"no-admin.rules[0]": {
                  "principals": [{"any": true}],
                  "permissions": [{"url_path": {"path": {"prefix": "/admin/"}}}]}}}""",
                RBAC.newBuilder()));
    assertThat(rbac(policy, PAYMENTS, 1).getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(rbac(policy, PAYMENTS, 1).getPoliciesMap())
        .containsOnlyKeys("orders-may-charge.rules[0]");
  }

  @Test
  void mapsIstioWildcardsOntoStringMatchers() throws Exception {
    PolicySnapshot policy =
        policy(
            authorization(
                """
                {"name": "wild", "target": "payments",
                 "rules": [{"from": {"principals": ["spiffe://attache.local/ns/ops/*",
                                                     "*/sa/batch", "*"]},
                            "to": {"paths": ["*.json", "*"]}}]}"""));

    assertThat(rbac(policy, PAYMENTS, 0))
        .isEqualTo(
            envoy(
                """
                {"action": "ALLOW", "policies": {"wild.rules[0]": {
                  "principals": [
                    {"authenticated": {"principal_name": {"prefix": "spiffe://attache.local/ns/ops/"}}},
                    {"authenticated": {"principal_name": {"suffix": "/sa/batch"}}},
                    {"authenticated": {"principal_name": {"safe_regex": {"regex": ".+"}}}}],
                  "permissions": [{"url_path": {"path": {"suffix": ".json"}}}, {"any": true}]}}}""",
                RBAC.newBuilder()));
  }

  @Test
  void andsPrincipalsWithNamespacesAndMethodsWithPathsAndHeaders() throws Exception {
    PolicySnapshot policy =
        policy(
            authorization(
                """
                {"name": "mixed", "target": "payments",
                 "rules": [{"from": {"principals": ["spiffe://attache.local/ns/default/sa/orders"],
                                     "namespaces": ["default", "ops"]},
                            "to": {"methods": ["GET", "HEAD"],
                                   "headers": [{"name": "x-tenant", "exact": "acme"}]}},
                           {}]}"""));

    assertThat(rbac(policy, PAYMENTS, 0))
        .isEqualTo(
            envoy(
                """
                {"action": "ALLOW", "policies": {
                  "mixed.rules[0]": {
                    "principals": [{"and_ids": {"ids": [
                      {"or_ids": {"ids": [{"authenticated": {"principal_name":
                          {"exact": "spiffe://attache.local/ns/default/sa/orders"}}}]}},
                      {"or_ids": {"ids": [
                        {"authenticated": {"principal_name":
                            {"safe_regex": {"regex": "spiffe://[^/]+/ns/default/.*"}}}},
                        {"authenticated": {"principal_name":
                            {"safe_regex": {"regex": "spiffe://[^/]+/ns/ops/.*"}}}}]}}]}}],
                    "permissions": [{"and_rules": {"rules": [
                      {"or_rules": {"rules": [
                        {"header": {"name": ":method", "string_match": {"exact": "GET"}}},
                        {"header": {"name": ":method", "string_match": {"exact": "HEAD"}}}]}},
                      {"header": {"name": "x-tenant", "string_match": {"exact": "acme"}}}]}}]},
                  "mixed.rules[1]": {"principals": [{"any": true}], "permissions": [{"any": true}]}}}""",
                RBAC.newBuilder()));
  }

  @Test
  void anAllowPolicyWithoutRulesDeniesEveryRequest() throws Exception {
    PolicySnapshot policy =
        policy(authorization("{\"name\": \"lockdown\", \"target\": \"payments\"}"));

    RBAC rules = rbac(policy, PAYMENTS, 0);
    assertThat(rules.getAction()).isEqualTo(RBAC.Action.ALLOW);
    assertThat(rules.getPoliciesMap()).isEmpty();
  }

  @Test
  void leavesTheOutboundListenerAndNodesWithoutAnAppAlone() throws Exception {
    PolicySnapshot policy = policy(authorization(ORDERS_MAY_CHARGE));

    EnvoyResources withApp = translator.translate(policy, PAYMENTS);
    assertThat(filterNames(listener(withApp, XdsNames.OUTBOUND_LISTENER)))
        .doesNotContain(XdsNames.RBAC_FILTER);
    EnvoyResources withoutApp =
        translator.translate(policy, new ProxyGroup("payments", ClientKind.PROXY));
    assertThat(withoutApp.listeners())
        .extracting(Listener::getName)
        .containsExactly(XdsNames.OUTBOUND_LISTENER);
  }

  private List<String> inboundFilterNames(PolicySnapshot policy, ProxyGroup group)
      throws InvalidProtocolBufferException {
    return filterNames(listener(translator.translate(policy, group), XdsNames.INBOUND_LISTENER));
  }

  private RBAC rbac(PolicySnapshot policy, ProxyGroup group, int index)
      throws InvalidProtocolBufferException {
    HttpFilter filter =
        hcm(listener(translator.translate(policy, group), XdsNames.INBOUND_LISTENER))
            .getHttpFilters(index);
    assertThat(filter.getName()).isEqualTo(XdsNames.RBAC_FILTER);
    return filter
        .getTypedConfig()
        .unpack(io.envoyproxy.envoy.extensions.filters.http.rbac.v3.RBAC.class)
        .getRules();
  }

  private static Listener listener(EnvoyResources resources, String name) {
    return resources.listeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static List<String> filterNames(Listener listener) throws InvalidProtocolBufferException {
    return hcm(listener).getHttpFiltersList().stream().map(HttpFilter::getName).toList();
  }

  private static HttpConnectionManager hcm(Listener listener)
      throws InvalidProtocolBufferException {
    return listener
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
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

  private static PolicySnapshot policy(Authorization... authorizations) {
    TreeMap<String, Authorization> byName = new TreeMap<>();
    for (Authorization authorization : authorizations) {
      byName.put(authorization.getName(), authorization);
    }
    TreeMap<String, io.attache.api.policy.v1.Service> services = new TreeMap<>();
    services.put("payments", service("payments", 9001));
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
