package io.attache.dataplane.filter.rbac;

import static io.attache.dataplane.filter.rbac.RbacConfigs.filter;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import org.junit.jupiter.api.Test;

class RbacFilterConfigTest {

  /** The YAML of an ALLOW filter with one policy {@code p} whose only permission is given. */
  private static String withPermission(String permission) {
    return """
        rules:
          action: ALLOW
          policies:
            p:
              permissions: [ %s ]
              principals: [ {any: true} ]
        """
        .formatted(permission);
  }

  private static String withPrincipal(String principal) {
    return """
        rules:
          action: ALLOW
          policies:
            p:
              permissions: [ {any: true} ]
              principals: [ %s ]
        """
        .formatted(principal);
  }

  private static void assertRejected(String yaml, String fieldPath, String messagePart) {
    assertThatThrownBy(() -> filter(yaml))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(messagePart)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(fieldPath);
  }

  @Test
  void parsesRulesShadowRulesAndStatPrefixes() throws Exception {
    RbacFilterConfig config =
        filter(
            """
            rules_stat_prefix: a
            shadow_rules_stat_prefix: b
            rules: { action: DENY }
            shadow_rules: { action: LOG }
            """);

    assertThat(((RbacEngine) config.rules().orElseThrow()).action())
        .isEqualTo(RbacEngine.Action.DENY);
    assertThat(((RbacEngine) config.shadowRules().orElseThrow()).action())
        .isEqualTo(RbacEngine.Action.LOG);
    assertThat(config.rulesStatPrefix()).isEqualTo("a");
    assertThat(config.shadowRulesStatPrefix()).isEqualTo("b");
    assertThat(config.filterName()).isEqualTo("envoy.filters.http.rbac");
  }

  @Test
  void refusesATypedConfigOfAnotherType() {
    assertThatThrownBy(
            () ->
                RbacFilterConfig.from(
                    "rbac", Any.pack(HTTPFault.getDefaultInstance()), "http_filters[0]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("expected " + RbacFilterConfig.TYPE_URL);
  }

  @Test
  void refusesPermissionsItCannotEvaluateNamingTheField() {
    assertRejected(
        withPermission("{metadata: {filter: envoy.filters.http.jwt_authn, path: [{key: x}]}}"),
        "rbac.rules.policies[\"p\"].permissions[0].metadata.value",
        "is required");
    assertRejected(
        withPermission("{requested_server_name: {exact: api.local}}"),
        "rbac.rules.policies[\"p\"].permissions[0].requested_server_name",
        "SNI");
    assertRejected(
        withPermission(
            "{and_rules: {rules: [ {any: true}, {sourced_metadata: {metadata_source: ROUTE,"
                + " metadata_matcher: {filter: f, path: [{key: k}], value: {present_match:"
                + " true}}}} ]}}"),
        "rbac.rules.policies[\"p\"].permissions[0].and_rules.rules[1].sourced_metadata"
            + ".metadata_source",
        "route metadata");
    assertRejected(
        withPermission(
            "{not_rule: {uri_template: {name: t, typed_config: {\"@type\":"
                + " type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}}"),
        "rbac.rules.policies[\"p\"].permissions[0].not_rule.uri_template",
        "URI template");
  }

  @Test
  void refusesPrincipalsItCannotEvaluateNamingTheField() {
    assertRejected(
        withPrincipal("{metadata: {filter: f, path: [], value: {present_match: true}}}"),
        "rbac.rules.policies[\"p\"].principals[0].metadata.path",
        "at least one segment");
    assertRejected(
        withPrincipal(
            "{or_ids: {ids: [ {any: true}, {filter_state: {key: k, string_match: {exact: v}}} ]}}"),
        "rbac.rules.policies[\"p\"].principals[0].or_ids.ids[1].filter_state",
        "filter state");
  }

  @Test
  void refusesFilterLevelFeaturesItDoesNotImplement() {
    assertRejected("track_per_rule_stats: true", "rbac.track_per_rule_stats", "per-policy");
    assertRejected(
        "matcher: { on_no_match: { action: { name: a, typed_config: {\"@type\":"
            + " type.googleapis.com/envoy.extensions.filters.http.router.v3.Router} } } }",
        "rbac.matcher.on_no_match.action.typed_config",
        "envoy.config.rbac.v3.Action");
    assertRejected(
        """
        matcher:
          matcher_tree:
            input:
              name: response
              typed_config:
                "@type": type.googleapis.com/envoy.type.matcher.v3.HttpResponseHeaderMatchInput
                header_name: x
            exact_match_map:
              map:
                v: { action: { name: a, typed_config: { "@type": type.googleapis.com/envoy.config.rbac.v3.Action, name: n } } }
        """,
        "rbac.matcher.matcher_tree.input.typed_config",
        "RBAC HTTP filter cannot match on");
    assertRejected(
        """
        shadow_rules:
          action: ALLOW
          policies:
            p:
              permissions: [ {any: true} ]
              principals: [ {any: true} ]
              condition: { const_expr: { bool_value: true } }
        """,
        "rbac.shadow_rules.policies[\"p\"].condition",
        "CEL");
    assertRejected(
        "rules: { action: ALLOW, audit_logging_options: { audit_condition: ON_DENY } }",
        "rbac.rules.audit_logging_options",
        "audit");
  }

  @Test
  void enforcesEnvoysValidationRules() {
    assertRejected(
        "rules: { action: ALLOW, policies: { p: { principals: [ {any: true} ] } } }",
        "rbac.rules.policies[\"p\"].permissions",
        "at least one");
    assertRejected(
        "rules: { action: ALLOW, policies: { p: { permissions: [ {any: true} ] } } }",
        "rbac.rules.policies[\"p\"].principals",
        "at least one");
    assertRejected(
        withPermission("{any: false}"), "rbac.rules.policies[\"p\"].permissions[0].any", "true");
    assertRejected(
        withPermission("{and_rules: {rules: []}}"),
        "rbac.rules.policies[\"p\"].permissions[0].and_rules.rules",
        "at least one");
    assertRejected(
        withPrincipal("{or_ids: {ids: []}}"),
        "rbac.rules.policies[\"p\"].principals[0].or_ids.ids",
        "at least one");
    assertRejected(
        withPermission("{}"), "rbac.rules.policies[\"p\"].permissions[0]", "one permission rule");
    assertRejected(
        withPermission("{destination_port: 65536}"),
        "rbac.rules.policies[\"p\"].permissions[0].destination_port",
        "65535");
    assertRejected(
        withPermission("{destination_port_range: {start: 90, end: 80}}"),
        "rbac.rules.policies[\"p\"].permissions[0].destination_port_range",
        "less than end");
    assertRejected(
        withPermission("{url_path: {}}"),
        "rbac.rules.policies[\"p\"].permissions[0].url_path.path",
        "required");
  }

  @Test
  void validatesAddressesAndMatchersNamingTheField() {
    assertRejected(
        withPrincipal("{direct_remote_ip: {address_prefix: not-an-ip, prefix_len: 8}}"),
        "rbac.rules.policies[\"p\"].principals[0].direct_remote_ip.address_prefix",
        "not an IPv4 or IPv6 address");
    assertRejected(
        withPrincipal("{remote_ip: {address_prefix: 10.0.0.0, prefix_len: 33}}"),
        "rbac.rules.policies[\"p\"].principals[0].remote_ip.prefix_len",
        "at most 32");
    assertRejected(
        withPrincipal("{header: {name: \"\", present_match: true}}"),
        "rbac.rules.policies[\"p\"].principals[0].header.name",
        "must not be empty");
    assertRejected(
        withPermission("{header: {name: x, prefix_match: \"\"}}"),
        "rbac.rules.policies[\"p\"].permissions[0].header.prefix_match",
        "must not be empty");
    assertRejected(
        withPrincipal("{authenticated: {principal_name: {safe_regex: {regex: \"(\"}}}}"),
        "rbac.rules.policies[\"p\"].principals[0].authenticated.principal_name.safe_regex.regex",
        "");
  }
}
