package io.attache.dataplane.filter.setmetadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.proxy.StreamHarness;
import io.envoyproxy.envoy.extensions.filters.http.set_metadata.v3.Config;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * set_metadata on the connection manager's chain: a header_to_metadata filter first writes {@code
 * acme} from a header, then set_metadata merges into it (allowed), skips {@code locked} the second
 * time (not allowed, counted) and writes a new namespace.
 */
class SetMetadataFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.header_to_metadata
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
          request_rules:
          - header: x-team
            on_header_present: { metadata_namespace: acme, key: team }
      - name: envoy.filters.http.set_metadata
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.set_metadata.v3.Config
          metadata:
          - metadata_namespace: acme
            allow_overwrite: true
            value: { team: platform, tags: [b], limits: { rps: 10 } }
          - metadata_namespace: locked
            value: { owner: first }
          - metadata_namespace: locked
            value: { owner: second }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  @Test
  void entriesAreWrittenMergedOrRefusedAsAllowOverwriteSays() throws Exception {
    harness = new StreamHarness(HCM, StreamHarness.configuredFilters(HCM));
    FullHttpRequest r =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.buffer(0));
    r.headers().set("host", "example.com").set("x-team", "payments");

    harness.request(r);

    assertThat(harness.downstream.status()).isEqualTo(200);
    Struct acme = harness.info().dynamicMetadata().get("acme");
    assertThat(acme.getFieldsOrThrow("team").getStringValue()).isEqualTo("platform");
    assertThat(acme.getFieldsOrThrow("limits").getStructValue().getFieldsOrThrow("rps"))
        .isEqualTo(Value.newBuilder().setNumberValue(10).build());
    assertThat(
            harness
                .info()
                .dynamicMetadata()
                .get("locked")
                .getFieldsOrThrow("owner")
                .getStringValue())
        .isEqualTo("first");
    assertThat(harness.counter("http.ingress.set_metadata.overwrite_denied")).isEqualTo(1);
  }

  private static Struct struct(String yaml) throws ConfigException {
    return BootstrapLoader.parseYaml(yaml, Struct.newBuilder()).build();
  }

  @Test
  void updateMergesStructsAppendsListsAndReplacesScalarsAndKinds() throws Exception {
    Struct merged =
        SetMetadataFilter.update(
            struct("{a: 1, list: [x], nested: {keep: k, over: o}, kind: s}"),
            struct("{a: 2, list: [y], nested: {over: p, add: q}, kind: [1]}"));

    assertThat(merged)
        .isEqualTo(struct("{a: 2, list: [x, y], nested: {keep: k, over: p, add: q}, kind: [1]}"));
  }

  @Test
  void refusesTypedValuesAndEntriesWithoutANamespaceOrValue() {
    assertThatThrownBy(
            () ->
                SetMetadataConfig.from(
                    Any.pack(
                        BootstrapLoader.parseYaml(
                                "metadata: [{ metadata_namespace: n, typed_value: {\"@type\":"
                                    + " type.googleapis.com/google.protobuf.Struct} }]",
                                Config.newBuilder())
                            .build()),
                    "sm"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("sm.metadata[0].typed_value");
    assertThatThrownBy(
            () ->
                SetMetadataConfig.from(
                    Any.pack(
                        BootstrapLoader.parseYaml(
                                "metadata: [{ value: { a: 1 } }]", Config.newBuilder())
                            .build()),
                    "sm"))
        .hasMessageContaining("sm.metadata[0].metadata_namespace");
    assertThatThrownBy(
            () ->
                SetMetadataConfig.from(
                    Any.pack(
                        BootstrapLoader.parseYaml(
                                "metadata: [{ metadata_namespace: n }]", Config.newBuilder())
                            .build()),
                    "sm"))
        .hasMessageContaining("sm.metadata[0].value");
  }
}
