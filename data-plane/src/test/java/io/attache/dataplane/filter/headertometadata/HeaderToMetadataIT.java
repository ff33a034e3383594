package io.attache.dataplane.filter.headertometadata;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.routeAllTo;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * header_to_metadata on real sockets: the tier a client's header names becomes dynamic metadata
 * that an RBAC filter after it allows or denies on, the header itself never reaches the upstream,
 * and the access log prints the metadata with {@code %DYNAMIC_METADATA(envoy.lb:tier)%}.
 */
class HeaderToMetadataIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.header_to_metadata
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.header_to_metadata.v3.Config
                    request_rules:
                    - header: x-tier
                      on_header_present: { metadata_namespace: envoy.lb, key: tier }
                      on_header_missing: { metadata_namespace: envoy.lb, key: tier, value: anonymous }
                      remove: true
                - name: envoy.filters.http.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                    rules:
                      action: ALLOW
                      policies:
                        paying:
                          permissions: [{ any: true }]
                          principals:
                          - metadata:
                              filter: envoy.lb
                              path: [{ key: tier }]
                              value: { or_match: { value_matchers: [{ string_match: { exact: gold } }, { string_match: { exact: silver } }] } }
      """;

  @TempDir Path dir;
  private Path log;
  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    log = dir.resolve("access.log");
    String accessLog =
        """
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: %s
            log_format:
              text_format_source:
                inline_string: "%%RESPONSE_CODE%% tier=%%DYNAMIC_METADATA(envoy.lb:tier)%% all=%%DYNAMIC_METADATA(envoy.lb)%%\\n"
        """
            .formatted(log);
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                    accessLog, routeAllTo("backend"), staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", FILTERS));
  }

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private HttpResponse<String> get(String tier) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(proxy.uri("/orders"));
    if (tier != null) {
      request.header("x-tier", tier);
    }
    return proxy.send(request);
  }

  @Test
  void rbacAllowsAPayingTierAndTheHeaderNeverReachesTheUpstream() throws Exception {
    HttpResponse<String> response = get("gold");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    assertThat(upstream.received().get(0).headers().get("x-tier")).isNull();
    assertThat(proxy.stat("http.ingress.rbac.allowed")).isEqualTo(1);
  }

  @Test
  void rbacDeniesAnotherTierAndAMissingHeaderWith403() throws Exception {
    assertThat(get("free").statusCode()).isEqualTo(403);
    HttpResponse<String> missing = get(null);

    assertThat(missing.statusCode()).isEqualTo(403);
    assertThat(missing.body()).isEqualTo("RBAC: access denied");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.rbac.denied")).isEqualTo(2);
  }

  @Test
  void theAccessLogPrintsTheMetadataEachRequestProduced() throws Exception {
    get("silver");
    get(null);

    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(Files.exists(log) ? Files.readAllLines(log) : java.util.List.of())
                    .containsExactly(
                        "200 tier=silver all={\"tier\":\"silver\"}",
                        "403 tier=anonymous all={\"tier\":\"anonymous\"}"));
  }
}
