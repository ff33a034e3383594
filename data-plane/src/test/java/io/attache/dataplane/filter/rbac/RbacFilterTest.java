package io.attache.dataplane.filter.rbac;

import static io.attache.dataplane.filter.rbac.RbacConfigs.filter;
import static io.attache.dataplane.filter.rbac.RbacConfigs.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.filter.rbac.RbacFilter.Result;
import io.attache.dataplane.filter.rbac.RbacFilter.Verdict;
import io.attache.dataplane.stats.StatsStore;
import io.netty.handler.codec.http.HttpMethod;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class RbacFilterTest {
  private final StatsStore stats = new StatsStore();
  private final StreamInfo info = new StreamInfo();

  private static final String ONLY_POST_CHARGE =
      """
      action: ALLOW
      policies:
        charge:
          permissions:
          - and_rules:
              rules:
              - {header: {name: ":method", string_match: {exact: POST}}}
              - {url_path: {path: {exact: /charge}}}
          principals: [ {any: true} ]
      """;

  private RbacFilter filterOf(String yaml) throws Exception {
    return new RbacFilter(filter(yaml), "ingress", stats);
  }

  private Map<String, Long> rbacCounters() {
    Map<String, Long> out = new TreeMap<>();
    stats.counters().forEach((name, c) -> out.put(name, c.value()));
    return out;
  }

  private static String indented(String yaml) {
    return yaml.indent(2);
  }

  @Test
  void deniesWithEnvoysResponseDetailsAndCountsAllowedAndDenied() throws Exception {
    RbacFilter rbac = filterOf("rules:\n" + indented(ONLY_POST_CHARGE));

    assertThat(rbac.check(request(HttpMethod.POST, "/charge").build(), info))
        .isEqualTo(new Result(Verdict.CONTINUE, ""));
    assertThat(rbac.check(request(HttpMethod.GET, "/charge").build(), info))
        .isEqualTo(new Result(Verdict.DENY, "rbac_access_denied_matched_policy[none]"));
    assertThat(rbacCounters())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "http.ingress.rbac.allowed", 1L,
                "http.ingress.rbac.denied", 1L,
                "http.ingress.rbac.shadow_allowed", 0L,
                "http.ingress.rbac.shadow_denied", 0L));
  }

  @Test
  void aDenyPolicyIsNamedInTheResponseDetails() throws Exception {
    RbacFilter rbac =
        filterOf(
            """
            rules:
              action: DENY
              policies:
                blocked-net:
                  permissions: [ {any: true} ]
                  principals: [ {direct_remote_ip: {address_prefix: 203.0.113.0, prefix_len: 24}} ]
            """);

    assertThat(rbac.check(request(HttpMethod.GET, "/").from("203.0.113.5").build(), info))
        .isEqualTo(new Result(Verdict.DENY, "rbac_access_denied_matched_policy[blocked-net]"));
  }

  @Test
  void withoutRulesTheFilterDoesNothingButStillRunsShadowRules() throws Exception {
    RbacFilter rbac = filterOf("shadow_rules:\n" + indented(ONLY_POST_CHARGE));

    assertThat(rbac.check(request(HttpMethod.GET, "/refund").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rbac.check(request(HttpMethod.POST, "/charge").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rbacCounters())
        .containsEntry("http.ingress.rbac.shadow_denied", 1L)
        .containsEntry("http.ingress.rbac.shadow_allowed", 1L)
        .containsEntry("http.ingress.rbac.allowed", 0L)
        .containsEntry("http.ingress.rbac.denied", 0L);
  }

  private static final String DENY_WITHOUT_DOCS_REFERER =
      """
      matcher_list:
        matchers:
        - predicate:
            not_matcher:
              single_predicate:
                input:
                  name: envoy.matching.inputs.request_headers
                  typed_config:
                    "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                    header_name: referer
                value_match:
                  safe_regex: { regex: "https?://(www.)?envoyproxy.io/docs/envoy.*" }
          on_match:
            action:
              name: action
              typed_config:
                "@type": type.googleapis.com/envoy.config.rbac.v3.Action
                name: illegal-referer
                action: DENY
      on_no_match:
        action:
          name: action
          typed_config:
            "@type": type.googleapis.com/envoy.config.rbac.v3.Action
            name: all-pass
            action: ALLOW
      """;

  @Test
  void aMatcherDeniesWithItsActionNameAndAllowsThroughOnNoMatch() throws Exception {
    RbacFilter rbac = filterOf("matcher:\n" + indented(DENY_WITHOUT_DOCS_REFERER));

    assertThat(rbac.check(request(HttpMethod.GET, "/").build(), info))
        .isEqualTo(new Result(Verdict.DENY, "rbac_access_denied_matched_policy[illegal-referer]"));
    assertThat(
            rbac.check(
                request(HttpMethod.GET, "/")
                    .header("referer", "https://www.envoyproxy.io/docs/envoy/latest")
                    .build(),
                info))
        .isEqualTo(Result.CONTINUE);
    assertThat(rbacCounters())
        .containsEntry("http.ingress.rbac.denied", 1L)
        .containsEntry("http.ingress.rbac.allowed", 1L);
  }

  @Test
  void aMatcherReadsTheTrustedClientAsSourceAndTheSocketPeerAsDirectSource() throws Exception {
    RbacFilter rbac =
        filterOf(
            """
            matcher:
              matcher_list:
                matchers:
                - predicate:
                    single_predicate:
                      input:
                        name: source
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                      value_match: { prefix: "203.0.113." }
                  on_match:
                    action:
                      name: a
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.rbac.v3.Action
                        name: documentation-net
                        action: DENY
                - predicate:
                    single_predicate:
                      input:
                        name: direct
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput
                      value_match: { exact: 10.1.2.3 }
                  on_match:
                    action:
                      name: a
                      typed_config:
                        "@type": type.googleapis.com/envoy.config.rbac.v3.Action
                        name: known-peer
                        action: ALLOW
            """);

    assertThat(rbac.check(request(HttpMethod.GET, "/").client("203.0.113.9").build(), info))
        .isEqualTo(
            new Result(Verdict.DENY, "rbac_access_denied_matched_policy[documentation-net]"));
    assertThat(rbac.check(request(HttpMethod.GET, "/").client("198.51.100.1").build(), info))
        .isEqualTo(Result.CONTINUE);
    assertThat(rbac.check(request(HttpMethod.GET, "/").from("10.9.9.9").build(), info).verdict())
        .isEqualTo(Verdict.DENY);
  }

  @Test
  void aMatcherThatMatchesNothingDeniesAsEnvoyDoes() throws Exception {
    RbacFilter rbac =
        filterOf(
            """
            matcher:
              matcher_tree:
                input:
                  name: h
                  typed_config:
                    "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                    header_name: x-team
                exact_match_map:
                  map:
                    payments:
                      action:
                        name: a
                        typed_config:
                          "@type": type.googleapis.com/envoy.config.rbac.v3.Action
                          name: payments-team
                          action: ALLOW
            """);

    assertThat(rbac.check(request(HttpMethod.GET, "/").header("x-team", "payments").build(), info))
        .isEqualTo(Result.CONTINUE);
    assertThat(rbac.check(request(HttpMethod.GET, "/").header("x-team", "ads").build(), info))
        .isEqualTo(new Result(Verdict.DENY, "rbac_access_denied_matched_policy[none]"));
  }

  @Test
  void aShadowMatcherWritesItsResultAndActionNameToDynamicMetadataAndNeverDenies()
      throws Exception {
    RbacFilter rbac =
        filterOf(
            "shadow_rules_stat_prefix: audit_\nshadow_matcher:\n"
                + indented(DENY_WITHOUT_DOCS_REFERER));

    assertThat(rbac.check(request(HttpMethod.GET, "/").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);

    assertThat(info.dynamicMetadata().get("envoy.filters.http.rbac").getFieldsMap())
        .containsEntry(
            "audit_shadow_effective_policy_id",
            com.google.protobuf.Value.newBuilder().setStringValue("illegal-referer").build())
        .containsEntry(
            "audit_shadow_engine_result",
            com.google.protobuf.Value.newBuilder().setStringValue("denied").build());
    assertThat(rbacCounters()).containsEntry("http.ingress.rbac.audit_.shadow_denied", 1L);
  }

  @Test
  void anEmptyConfigAllowsEverythingAndCountsNothing() throws Exception {
    RbacFilter rbac = filterOf("{}");

    assertThat(rbac.check(request(HttpMethod.DELETE, "/all").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rbacCounters().values()).containsOnly(0L);
  }

  @Test
  void shadowRulesAreCountedButNeverEnforced() throws Exception {
    RbacFilter rbac =
        filterOf(
            """
            rules:
              action: ALLOW
              policies:
                all: { permissions: [ {any: true} ], principals: [ {any: true} ] }
            shadow_rules:
              action: DENY
              policies:
                all: { permissions: [ {any: true} ], principals: [ {any: true} ] }
            """);

    assertThat(rbac.check(request(HttpMethod.GET, "/").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rbacCounters())
        .containsEntry("http.ingress.rbac.allowed", 1L)
        .containsEntry("http.ingress.rbac.shadow_denied", 1L)
        .containsEntry("http.ingress.rbac.shadow_allowed", 0L);
  }

  @Test
  void logActionAllowsAndCountsAsAllowed() throws Exception {
    RbacFilter rbac =
        filterOf(
            """
            rules:
              action: LOG
              policies:
                all: { permissions: [ {any: true} ], principals: [ {any: true} ] }
            """);

    assertThat(rbac.check(request(HttpMethod.GET, "/").build(), info).verdict())
        .isEqualTo(Verdict.CONTINUE);
    assertThat(rbacCounters()).containsEntry("http.ingress.rbac.allowed", 1L);
  }

  @Test
  void statPrefixesAreInsertedAfterRbacAsEnvoyJoinsThem() throws Exception {
    RbacFilter rbac =
        filterOf(
            "rules_stat_prefix: enforced\n"
                + "shadow_rules_stat_prefix: \"trial.\"\n"
                + "rules:\n"
                + indented(ONLY_POST_CHARGE)
                + "shadow_rules:\n"
                + indented(ONLY_POST_CHARGE));

    rbac.check(request(HttpMethod.GET, "/").build(), info);

    assertThat(rbacCounters())
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "http.ingress.rbac.enforced.allowed", 0L,
                "http.ingress.rbac.enforced.denied", 1L,
                "http.ingress.rbac.trial.shadow_allowed", 0L,
                "http.ingress.rbac.trial.shadow_denied", 1L));
  }

  @Test
  void callersAreLoggedByPrincipalOrSocketAddressNeverByHeader() {
    String caller =
        request(HttpMethod.GET, "/")
            .header("authorization", "Bearer secret-token")
            .from("10.1.2.3")
            .build()
            .callerForLog();

    assertThat(caller).isEqualTo("peer=/10.1.2.3:40000").doesNotContain("secret");
  }
}
