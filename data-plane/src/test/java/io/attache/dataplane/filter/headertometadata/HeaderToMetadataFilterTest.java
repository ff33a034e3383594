package io.attache.dataplane.filter.headertometadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.proxy.StreamHarness;
import io.envoyproxy.envoy.extensions.filters.http.header_to_metadata.v3.Config;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * header_to_metadata on the connection manager's chain, read back from the stream's dynamic
 * metadata and by an RBAC filter after it that denies the {@code blocked} tier. Routes under {@code
 * /routed} forward to a cluster that does not exist (the router's 503 shows the request passed);
 * {@code /override} carries a per-route config that replaces the filter's.
 */
class HeaderToMetadataFilterTest {
  private static final String NS = "envoy.filters.http.header_to_metadata";

  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/override" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.header_to_metadata:
                "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                request_rules:
                - header: x-other
                  on_header_present: { key: other }
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.header_to_metadata
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
          request_rules:
          - header: x-tier
            on_header_present: { metadata_namespace: envoy.lb, key: tier }
            on_header_missing: { metadata_namespace: envoy.lb, key: tier, value: bronze }
            remove: true
          - header: x-version
            on_header_present:
              key: version
              regex_value_rewrite:
                pattern: { regex: "^v(\\\\d+)\\\\..*$" }
                substitution: "\\\\1"
              type: NUMBER
          - header: x-b64
            on_header_present: { key: decoded, encode: BASE64 }
          - header: x-pb
            on_header_present: { key: typed, type: PROTOBUF_VALUE, encode: BASE64 }
          - header: x-num
            on_header_present: { key: num, type: NUMBER }
          - cookie: session
            on_header_present: { key: session }
          - header: ":path"
            on_header_present: { key: path }
          response_rules:
          - header: x-served-by
            on_header_present: { key: served_by }
          - header: ":status"
            on_header_present: { key: status, type: NUMBER }
      - name: envoy.filters.http.rbac
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules:
            action: DENY
            policies:
              blocked-tier:
                permissions: [{ any: true }]
                principals:
                - metadata:
                    filter: envoy.lb
                    path: [{ key: tier }]
                    value: { string_match: { exact: blocked } }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;
  private FullHttpRequest request;

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  private StreamHarness send(String path, String... headers) throws Exception {
    harness = new StreamHarness(HCM, StreamHarness.configuredFilters(HCM));
    request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().add(headers[i], headers[i + 1]);
    }
    harness.request(request);
    return harness;
  }

  private Struct metadata(String namespace) {
    return harness.info().dynamicMetadata().get(namespace);
  }

  @Test
  void aPresentHeaderIsCopiedToItsNamespaceAndRemovedFromTheRequest() throws Exception {
    send("/", "x-tier", "gold");

    assertThat(harness.downstream.status()).isEqualTo(200);
    assertThat(metadata("envoy.lb").getFieldsOrThrow("tier").getStringValue()).isEqualTo("gold");
    assertThat(request.headers().contains("x-tier")).isFalse();
  }

  @Test
  void aMissingHeaderWritesTheOnHeaderMissingValue() throws Exception {
    send("/");

    assertThat(metadata("envoy.lb").getFieldsOrThrow("tier").getStringValue()).isEqualTo("bronze");
  }

  @Test
  void rbacAfterItDeniesOnTheMetadataTheHeaderProduced() throws Exception {
    send("/", "x-tier", "blocked");

    assertThat(harness.downstream.status()).isEqualTo(403);
    assertThat(harness.info().responseCodeDetails())
        .isEqualTo("rbac_access_denied_matched_policy[blocked-tier]");
  }

  @Test
  void valuesAreRewrittenDecodedAndTypedAsConfigured() throws Exception {
    send(
        "/p?q=1",
        "x-version",
        "v12.3.4",
        "x-b64",
        "Z29sZA",
        "x-pb",
        "EQAAAAAAABRA",
        "x-num",
        "2.5e1",
        "cookie",
        "a=b; session=\"s-1\"");

    Struct fields = metadata(NS);
    assertThat(fields.getFieldsOrThrow("version").getNumberValue()).isEqualTo(12.0);
    assertThat(fields.getFieldsOrThrow("decoded").getStringValue()).isEqualTo("gold");
    assertThat(fields.getFieldsOrThrow("typed").getNumberValue()).isEqualTo(5.0);
    assertThat(fields.getFieldsOrThrow("num").getNumberValue()).isEqualTo(25.0);
    assertThat(fields.getFieldsOrThrow("session").getStringValue()).isEqualTo("s-1");
    assertThat(fields.getFieldsOrThrow("path").getStringValue()).isEqualTo("/p?q=1");
  }

  @Test
  void valuesThatDoNotConvertAreSkippedAndTheRequestStillPasses() throws Exception {
    send("/", "x-num", "twelve", "x-b64", "!!!", "x-pb", "AAAA", "x-version", "v1-beta");

    assertThat(harness.downstream.status()).isEqualTo(200);
    Struct fields = metadata(NS);
    assertThat(fields.containsFields("num")).isFalse();
    assertThat(fields.containsFields("decoded")).isFalse();
    // "v1-beta" does not match the rewrite's pattern, so it stays as it is and is not a number.
    assertThat(fields.containsFields("version")).isFalse();
  }

  @Test
  void responseRulesReadTheResponseHeadersIncludingLocalReplies() throws Exception {
    send("/", "x-tier", "blocked");

    assertThat(metadata(NS).getFieldsOrThrow("status").getNumberValue()).isEqualTo(403.0);
  }

  @Test
  void aRoutesConfigReplacesTheFiltersRules() throws Exception {
    send("/override", "x-other", "o", "x-tier", "blocked");

    assertThat(harness.downstream.status()).isEqualTo(503);
    assertThat(metadata(NS).getFieldsOrThrow("other").getStringValue()).isEqualTo("o");
    assertThat(harness.info().dynamicMetadata()).doesNotContainKey("envoy.lb");
    assertThat(request.headers().get("x-tier")).isEqualTo("blocked");
  }

  private static HeaderToMetadataConfig parse(String yaml, boolean perRoute)
      throws ConfigException {
    Config proto = BootstrapLoader.parseYaml(yaml, Config.newBuilder()).build();
    return HeaderToMetadataConfig.from(Any.pack(proto), "h2m", perRoute);
  }

  @Test
  void refusesRulesEnvoyRefusesNamingTheField() {
    assertThatThrownBy(() -> parse("request_rules: [{ on_header_present: { key: k } }]", false))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("h2m.request_rules[0]")
        .hasMessageContaining("One of Cookie or Header");
    assertThatThrownBy(() -> parse("request_rules: [{ header: x }]", false))
        .hasMessageContaining("neither `on_header_present` nor `on_header_missing`");
    assertThatThrownBy(
            () -> parse("request_rules: [{ header: x, on_header_missing: { key: k } }]", false))
        .hasMessageContaining("h2m.request_rules[0].on_header_missing.value");
    assertThatThrownBy(
            () ->
                parse(
                    "response_rules: [{ cookie: c, remove: true, on_header_present: { key: k }"
                        + " }]",
                    false))
        .hasMessageContaining("h2m.response_rules[0].remove");
    assertThatThrownBy(
            () ->
                parse(
                    "request_rules: [{ header: x, on_header_present: { key: k, value: v,"
                        + " regex_value_rewrite: { pattern: { regex: a }, substitution: b } } }]",
                    false))
        .hasMessageContaining("both value and regex_value_rewrite");
    assertThatThrownBy(
            () -> parse("request_rules: [{ header: x, on_header_present: { key: \"\" } }]", false))
        .hasMessageContaining("h2m.request_rules[0].on_header_present.key");
    assertThatThrownBy(() -> parse("{}", true)).hasMessageContaining("per-route");
  }

  @Test
  void anEmptyFilterConfigIsAcceptedForRulesThatComePerRoute() throws Exception {
    assertThat(parse("{}", false).requestRules()).isEmpty();
  }
}
