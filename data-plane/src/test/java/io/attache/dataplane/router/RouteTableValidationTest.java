package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

class RouteTableValidationTest {
  private static final String OK_ROUTE =
      "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\"}}";

  private static void rejects(String json, String fieldPath, String messagePart) {
    assertThatThrownBy(() -> RouteTable.compile(TestConfigs.parse(json), "route_config"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(messagePart)
        .satisfies(
            e ->
                org.assertj.core.api.Assertions.assertThat(((ConfigException) e).fieldPath())
                    .isEqualTo(fieldPath));
  }

  private static String vhosts(String... vhosts) {
    return "{\"virtual_hosts\":[" + String.join(",", vhosts) + "]}";
  }

  private static String vh(String name, String domains, String route) {
    return "{\"name\":\"" + name + "\",\"domains\":" + domains + ",\"routes\":[" + route + "]}";
  }

  private static String second(String route) {
    return vhosts(vh("a", "[\"a\"]", OK_ROUTE), vh("b", "[\"b\"]", OK_ROUTE + "," + route));
  }

  @Test
  void rejectsAVirtualHostWithoutDomains() {
    rejects(
        vhosts("{\"name\":\"a\",\"routes\":[" + OK_ROUTE + "]}"),
        "route_config.virtual_hosts[0].domains",
        "at least one domain");
  }

  @Test
  void rejectsAVirtualHostWithoutName() {
    rejects(
        vhosts("{\"domains\":[\"x\"]}"), "route_config.virtual_hosts[0].name", "must not be empty");
  }

  @Test
  void rejectsDuplicateDomainsAcrossVirtualHostsCaseInsensitively() {
    rejects(
        vhosts(vh("a", "[\"Foo.com\"]", OK_ROUTE), vh("b", "[\"x\",\"foo.COM\"]", OK_ROUTE)),
        "route_config.virtual_hosts[1].domains[1]",
        "already at route_config.virtual_hosts[0].domains[0]");
  }

  @Test
  void rejectsASecondCatchAll() {
    rejects(
        vhosts(vh("a", "[\"*\"]", OK_ROUTE), vh("b", "[\"*\"]", OK_ROUTE)),
        "route_config.virtual_hosts[1].domains[0]",
        "duplicate domain '*'");
  }

  @Test
  void rejectsABadSafeRegexWithTheRegexFieldPath() {
    rejects(
        second(
            "{\"match\":{\"safe_regex\":{\"regex\":\"/(unclosed\"}},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match.safe_regex.regex",
        "invalid regex");
  }

  @Test
  void rejectsRegexConstructsRe2DoesNotHave() {
    rejects(
        second(
            "{\"match\":{\"safe_regex\":{\"regex\":\"/(a)\\\\1\"}},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match.safe_regex.regex",
        "RE2 syntax");
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\",\"headers\":[{\"name\":\"x\",\"string_match\":{\"safe_regex\":{\"regex\":\"(?=a)a\"}}}]},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match.headers[0].string_match.safe_regex.regex",
        "RE2 syntax");
  }

  @Test
  void rejectsARouteWithoutAction() {
    rejects(
        second("{\"match\":{\"prefix\":\"/\"}}"),
        "route_config.virtual_hosts[1].routes[1]",
        "an action is required");
  }

  @Test
  void rejectsARouteWithoutMatchOrPathSpecifier() {
    rejects(
        second("{\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match",
        "match is required");
    rejects(
        second("{\"match\":{},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match",
        "one of prefix, path");
  }

  @Test
  void rejectsWeightedClustersWithZeroTotalWeight() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"weight\":0},{\"name\":\"b\",\"weight\":0}]}}}"),
        "route_config.virtual_hosts[1].routes[1].route.weighted_clusters.clusters",
        "greater than 0");
  }

  @Test
  void rejectsWeightedClusterEntriesWithoutWeightOrWithBothNameAndHeader() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\"}]}}}"),
        "route_config.virtual_hosts[1].routes[1].route.weighted_clusters.clusters[0].weight",
        "weight is required");
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"weighted_clusters\":{\"clusters\":[{\"name\":\"a\",\"cluster_header\":\"x\",\"weight\":1}]}}}"),
        "route_config.virtual_hosts[1].routes[1].route.weighted_clusters.clusters[0]",
        "only one of name or cluster_header");
  }

  @Test
  void rejectsBothPrefixAndRegexRewrite() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"prefix_rewrite\":\"/x\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"a\"},\"substitution\":\"b\"}}}"),
        "route_config.virtual_hosts[1].routes[1].route",
        "only one of prefix_rewrite, regex_rewrite");
  }

  @Test
  void rejectsASubstitutionNamingAMissingGroup() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"regex_rewrite\":{\"pattern\":{\"regex\":\"(a)\"},\"substitution\":\"\\\\2\"}}}"),
        "route_config.virtual_hosts[1].routes[1].route.regex_rewrite.substitution",
        "group \\2");
  }

  @Test
  void rejectsAnUnknownFormatterCommand() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"request_headers_to_add\":[{\"header\":{\"key\":\"x\",\"value\":\"%NOPE%\"}}],\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].request_headers_to_add[0].header.value",
        "%NOPE%");
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"request_headers_to_add\":[{\"header\":{\"key\":\"x\",\"value\":\"100%\"}}],\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].request_headers_to_add[0].header.value",
        "%%");
  }

  @Test
  void rejectsMutatingPseudoHeadersOrHost() {
    rejects(
        vhosts(
            "{\"name\":\"a\",\"domains\":[\"a\"],\"request_headers_to_add\":[{\"header\":{\"key\":\"Host\",\"value\":\"x\"}}]}"),
        "route_config.virtual_hosts[0].request_headers_to_add[0].header.key",
        "may not be modified");
    rejects(
        "{\"response_headers_to_remove\":[\":status\"],\"virtual_hosts\":[]}",
        "route_config.response_headers_to_remove[0]",
        "may not be removed");
  }

  @Test
  void rejectsBothAppendAndAppendAction() {
    rejects(
        "{\"request_headers_to_add\":[{\"header\":{\"key\":\"x\",\"value\":\"v\"},\"append\":false,\"append_action\":\"ADD_IF_ABSENT\"}],\"virtual_hosts\":[]}",
        "route_config.request_headers_to_add[0]",
        "both append and append_action");
  }

  @Test
  void rejectsDirectResponsesOutOfRangeOrTooLarge() {
    rejects(
        second("{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":600}}"),
        "route_config.virtual_hosts[1].routes[1].direct_response.status",
        "[200, 600)");
    rejects(
        "{\"max_direct_response_body_size_bytes\":3,"
            + vhosts(
                    vh(
                        "a",
                        "[\"a\"]",
                        "{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"inline_string\":\"four\"}}}"))
                .substring(1),
        "route_config.virtual_hosts[0].routes[0].direct_response.body",
        "maximum is 3");
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"direct_response\":{\"status\":200,\"body\":{\"filename\":\"/etc/passwd\"}}}"),
        "route_config.virtual_hosts[1].routes[1].direct_response.body",
        "inline_string");
  }

  @Test
  void rejectsMatchersThatCannotBeEvaluated() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\",\"headers\":[{\"name\":\"x\",\"string_match\":{\"safe_regex\":{\"regex\":\"a\"},\"ignore_case\":true}}]},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match.headers[0].string_match.ignore_case",
        "no effect");
    rejects(
        second("{\"match\":{\"path_separated_prefix\":\"/api/\"},\"route\":{\"cluster\":\"c\"}}"),
        "route_config.virtual_hosts[1].routes[1].match.path_separated_prefix",
        "not end in '/'");
  }

  @Test
  void rejectsRetryBackOffWithMaxBelowBase() {
    rejects(
        second(
            "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"c\",\"retry_policy\":{\"retry_back_off\":{\"base_interval\":\"1s\",\"max_interval\":\"0.5s\"}}}}"),
        "route_config.virtual_hosts[1].routes[1].route.retry_policy.retry_back_off.max_interval",
        "greater than or equal");
  }

  @Test
  void rejectsUnsupportedTopLevelFeatures() {
    rejects("{\"vhds\":{\"config_source\":{\"ads\":{}}}}", "route_config.vhds", "VHDS");
    rejects(
        second("{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"\"}}"),
        "route_config.virtual_hosts[1].routes[1].route.cluster",
        "must not be empty");
    rejects(
        second("{\"match\":{\"prefix\":\"/\"},\"route\":{}}"),
        "route_config.virtual_hosts[1].routes[1].route",
        "a cluster specifier is required");
  }

  @Test
  void emptyRootPathProducesUnprefixedFieldPaths() {
    assertThatThrownBy(() -> RouteTable.compile(TestConfigs.parse(vhosts("{\"name\":\"a\"}")), ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("virtual_hosts[0].domains:");
  }
}
