package io.attache.dataplane.filter.matchdelegate;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.routeAllTo;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Envoy's unified matcher driving HTTP filters on real sockets: {@code ExtensionWithMatcher} with
 * {@code SkipFilter} on a request header and on an upstream response header, the composite filter's
 * {@code ExecuteFilterAction}, and the RBAC filter's {@code matcher} (Envoy's rbac sandbox),
 * counting what the upstream really saw.
 */
class MatchingFiltersIT {
  private static final String SKIP_ACTION =
      """
      action:
        name: skip
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter
      """;

  private static final String FAULT_UNLESS_HEADER =
      """
                http_filters:
                - name: maybe-fault
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher
                    extension_config:
                      name: envoy.filters.http.fault
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                        abort: { http_status: 503, percentage: { numerator: 100 } }
                    xds_matcher:
                      matcher_tree:
                        input:
                          name: request-headers
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            header_name: x-canary
                        exact_match_map:
                          map:
                            "stable":
      %s
      """
          .formatted(SKIP_ACTION.indent(28).stripTrailing());

  private static final String COMPRESS_UNLESS_UPSTREAM_SAYS_NO =
      """
                http_filters:
                - name: maybe-gzip
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher
                    extension_config:
                      name: envoy.filters.http.compressor
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor
                        compressor_library:
                          name: gzip
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.compression.gzip.compressor.v3.Gzip
                    xds_matcher:
                      matcher_list:
                        matchers:
                        - predicate:
                            single_predicate:
                              input:
                                name: response-headers
                                typed_config:
                                  "@type": type.googleapis.com/envoy.type.matcher.v3.HttpResponseHeaderMatchInput
                                  header_name: x-no-compress
                              value_match: { exact: "true" }
                          on_match:
      %s
      """
          .formatted(SKIP_ACTION.indent(28).stripTrailing());

  private static final String COMPOSITE =
      """
                http_filters:
                - name: composite
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher
                    extension_config:
                      name: composite
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite
                    xds_matcher:
                      matcher_tree:
                        input:
                          name: request-headers
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            header_name: x-fault-category
                        exact_match_map:
                          map:
                            "teapot":
                              action:
                                name: composite-action
                                typed_config:
                                  "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                                  typed_config:
                                    name: http-fault
                                    typed_config:
                                      "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                                      abort: { http_status: 418, percentage: { numerator: 100 } }
      """;

  private static final String RBAC_REFERER =
      """
                http_filters:
                - name: envoy.filters.http.rbac
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
                    matcher:
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
                                  safe_regex:
                                    regex: https?://(www.)?envoyproxy.io/docs/envoy.*
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

  private static final String LONG_TEXT = "matching filters ".repeat(20);

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  private void start(String filters) throws Exception {
    upstream =
        TestHttpServer.http1(
            received -> {
              TestHttpServer.Reply reply =
                  TestHttpServer.Reply.ok(LONG_TEXT).withHeader("content-type", "text/plain");
              return received.uri().startsWith("/raw")
                  ? reply.withHeader("x-no-compress", "true")
                  : reply;
            });
    proxy =
        ProxyHarness.start(
            bootstrap("", routeAllTo("backend"), staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", filters));
  }

  private HttpResponse<String> get(String path, String header, String value) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(proxy.uri(path));
    if (header != null) {
      request.header(header, value);
    }
    return proxy.send(request);
  }

  @Test
  void aWrappedFilterIsSkippedOnlyForRequestsWhoseHeaderTheMatcherMaps() throws Exception {
    start(FAULT_UNLESS_HEADER);

    assertThat(get("/a", "x-canary", "stable").statusCode()).isEqualTo(200);
    assertThat(get("/b", "x-canary", "edge").statusCode()).isEqualTo(503);
    assertThat(get("/c", null, null).statusCode()).isEqualTo(503);

    assertThat(upstream.received()).extracting(TestHttpServer.Received::uri).containsExactly("/a");
    assertThat(proxy.stat("http.ingress.fault.aborts_injected")).isEqualTo(2);
  }

  @Test
  void anUpstreamResponseHeaderSkipsTheWrappedEncoderForThatResponse() throws Exception {
    start(COMPRESS_UNLESS_UPSTREAM_SAYS_NO);

    HttpResponse<String> raw = get("/raw", "accept-encoding", "gzip");
    HttpResponse<String> gzipped = get("/text", "accept-encoding", "gzip");

    assertThat(raw.headers().firstValue("content-encoding")).isEmpty();
    assertThat(raw.body()).isEqualTo(LONG_TEXT);
    assertThat(gzipped.headers().firstValue("content-encoding")).hasValue("gzip");
  }

  @Test
  void theCompositeRunsTheFilterTheRequestHeaderSelects() throws Exception {
    start(COMPOSITE);

    assertThat(get("/brew", "x-fault-category", "teapot").statusCode()).isEqualTo(418);
    assertThat(get("/pour", "x-fault-category", "other").statusCode()).isEqualTo(200);

    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/pour");
    assertThat(proxy.stat("http.ingress.composite.filter_delegation_success")).isEqualTo(1);
  }

  @Test
  void theRbacMatcherDeniesWhatItsActionDeniesAndAllowsOnNoMatch() throws Exception {
    start(RBAC_REFERER);

    HttpResponse<String> denied = get("/docs", null, null);
    HttpResponse<String> allowed =
        get("/docs", "referer", "https://www.envoyproxy.io/docs/envoy/latest/");

    assertThat(denied.statusCode()).isEqualTo(403);
    assertThat(denied.body()).isEqualTo("RBAC: access denied");
    assertThat(allowed.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("http.ingress.rbac.denied")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.rbac.allowed")).isEqualTo(1);
  }
}
