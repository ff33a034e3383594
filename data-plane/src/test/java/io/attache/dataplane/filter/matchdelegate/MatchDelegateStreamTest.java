package io.attache.dataplane.filter.matchdelegate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code ExtensionWithMatcher} (SkipFilter) and the composite filter ({@code ExecuteFilterAction})
 * on the connection manager's chain, on virtual time.
 */
class MatchDelegateStreamTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/per-route" }
            route: { cluster: backend }
            typed_per_filter_config:
              with-matcher:
                "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                abort: { http_status: 418, percentage: { numerator: 100 } }
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: with-matcher
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.common.matching.v3.ExtensionWithMatcher
          %s
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String SKIP_ON_HEADER =
      """
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
                  header_name: x-skip
              exact_match_map:
                map:
                  "yes":
                    action:
                      name: skip
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter
      """;

  private static final String SKIP_ON_REQUEST_OR_RESPONSE =
      """
      extension_config:
            name: envoy.filters.http.fault
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
              abort: { http_status: 503, percentage: { numerator: 100 } }
          xds_matcher:
            matcher_list:
              matchers:
              - predicate:
                  or_matcher:
                    predicate:
                    - single_predicate:
                        input:
                          name: request-headers
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput
                            header_name: request-header
                        value_match: { exact: foo }
                    - single_predicate:
                        input:
                          name: response-headers
                          typed_config:
                            "@type": type.googleapis.com/envoy.type.matcher.v3.HttpResponseHeaderMatchInput
                            header_name: response-header
                        value_match: { exact: bar }
                on_match:
                  action:
                    name: skip
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter
      """;

  private static final String COMPOSITE =
      """
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
                  "abort":
                    action:
                      name: composite-action
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                        typed_config:
                          name: http-fault
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            abort: { http_status: 503, percentage: { numerator: 100 } }
                  "delay":
                    action:
                      name: composite-action
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                        typed_config:
                          name: http-fault
                          typed_config:
                            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                            delay: { fixed_delay: 1s, percentage: { numerator: 100 } }
      """;

  /** Aborts with 403 unless the socket peer, or else with 451 unless the client, is loopback. */
  private static final String FAULT_BY_SOURCE =
      """
      extension_config:
            name: composite
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite
          xds_matcher:
            matcher_list:
              matchers:
              - predicate:
                  not_matcher:
                    single_predicate:
                      input:
                        name: direct-source-ip
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.DirectSourceIPInput
                      value_match: { exact: 127.0.0.1 }
                on_match:
                  action:
                    name: deny-peer
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                      typed_config:
                        name: peer-fault
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: { http_status: 403, percentage: { numerator: 100 } }
              - predicate:
                  not_matcher:
                    single_predicate:
                      input:
                        name: source-ip
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.SourceIPInput
                      value_match: { exact: 127.0.0.1 }
                on_match:
                  action:
                    name: deny-client
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction
                      typed_config:
                        name: client-fault
                        typed_config:
                          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
                          abort: { http_status: 451, percentage: { numerator: 100 } }
      """;

  private StreamHarness harness;

  @AfterEach
  void release() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  private StreamHarness start(String extensionWithMatcher) throws Exception {
    String yaml = HCM.formatted(extensionWithMatcher);
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml));
    return harness;
  }

  private static FullHttpRequest get(String path, String header, String value) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    if (header != null) {
      request.headers().set(header, value);
    }
    return request;
  }

  @Test
  void aSkipFilterMatchOnARequestHeaderSkipsTheWrappedFilterForThatStreamOnly() throws Exception {
    StreamHarness h = start(SKIP_ON_HEADER);

    h.request(get("/", "x-skip", "yes"));

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.downstream.body()).isEqualTo("ok");
    assertThat(h.counter("http.ingress.fault.aborts_injected")).isZero();
  }

  @Test
  void aRequestTheMatcherDoesNotMatchRunsTheWrappedFilter() throws Exception {
    StreamHarness h = start(SKIP_ON_HEADER);

    h.request(get("/", "x-skip", "no"));

    assertThat(h.downstream.status()).isEqualTo(503);
    assertThat(h.counter("http.ingress.fault.aborts_injected")).isEqualTo(1);
  }

  @Test
  void aMatcherThatStillNeedsResponseHeadersLetsTheWrappedFilterRunOnTheRequest() throws Exception {
    StreamHarness h = start(SKIP_ON_REQUEST_OR_RESPONSE);

    h.request(get("/", "response-header", "bar"));

    assertThat(h.downstream.status()).isEqualTo(503);
  }

  @Test
  void aMatcherDecidedByTheRequestAloneSkipsBeforeResponseHeadersArrive() throws Exception {
    StreamHarness h = start(SKIP_ON_REQUEST_OR_RESPONSE);

    h.request(get("/", "request-header", "foo"));

    assertThat(h.downstream.status()).isEqualTo(200);
  }

  @Test
  void theWrappedFilterReadsItsPerRouteConfigUnderTheOuterFilterName() throws Exception {
    StreamHarness h = start(SKIP_ON_HEADER);

    h.request(get("/per-route", null, null));

    assertThat(h.downstream.status()).isEqualTo(418);
  }

  @Test
  void theCompositeRunsTheFilterOfTheMatchedExecuteFilterAction() throws Exception {
    StreamHarness h = start(COMPOSITE);

    h.request(get("/", "x-fault-category", "abort"));

    assertThat(h.downstream.status()).isEqualTo(503);
    assertThat(h.counter("http.ingress.composite.filter_delegation_success")).isEqualTo(1);
    assertThat(h.counter("http.ingress.composite.filter_delegation_error")).isZero();
  }

  @Test
  void aDelegatedDelayHoldsTheRequestOnTheStreamsTimers() throws Exception {
    StreamHarness h = start(COMPOSITE);

    h.request(get("/", "x-fault-category", "delay"));

    assertThat(h.time.pendingDelays()).contains(Duration.ofSeconds(1));
    assertThat(h.downstream.status()).isZero();
    h.time.advance(Duration.ofSeconds(1));
    assertThat(h.downstream.status()).isEqualTo(200);
  }

  @Test
  void withoutAMatchTheCompositePassesTheStreamThrough() throws Exception {
    StreamHarness h = start(COMPOSITE);

    h.request(get("/", "x-fault-category", "none"));

    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.counter("http.ingress.composite.filter_delegation_success")).isZero();
    assertThat(h.info().hasFlag(io.attache.dataplane.accesslog.ResponseFlag.DELAY_INJECTED))
        .isFalse();
  }

  @Test
  void directSourceIpReadsTheSocketPeerWhileSourceIpReadsTheProxyProtocolClient() throws Exception {
    StreamHarness h = start(FAULT_BY_SOURCE);
    h.downstream.remoteAddress = new InetSocketAddress("203.0.113.5", 4444);
    h.downstream.directRemoteAddress = new InetSocketAddress("127.0.0.1", 40000);

    h.request(get("/", null, null));

    // The peer is loopback, so only the client's address (not loopback) aborts: with 451.
    assertThat(h.downstream.status()).isEqualTo(451);
    assertThat(h.counter("http.ingress.composite.filter_delegation_success")).isEqualTo(1);
  }

  @Test
  void aPeerThatIsNotLoopbackIsCaughtByDirectSourceIpWhateverTheClientSaid() throws Exception {
    StreamHarness h = start(FAULT_BY_SOURCE);
    h.downstream.remoteAddress = new InetSocketAddress("127.0.0.1", 4444);
    h.downstream.directRemoteAddress = new InetSocketAddress("198.51.100.7", 40000);

    h.request(get("/", null, null));

    assertThat(h.downstream.status()).isEqualTo(403);
  }

  @Test
  void theSourceIsTheXForwardedForAddressTheConnectionManagerTrusts() throws Exception {
    StreamHarness h = start(FAULT_BY_SOURCE);

    // use_remote_address is off: the last x-forwarded-for entry is Envoy's downstream remote
    // address, and the source the network inputs read; the socket peer stays loopback.
    h.request(get("/", "x-forwarded-for", "198.51.100.7"));

    assertThat(h.downstream.status()).isEqualTo(451);
  }

  @Test
  void theRouterCannotBeWrapped() {
    String wrappedRouter =
        """
        extension_config:
              name: envoy.filters.http.router
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            xds_matcher:
              on_no_match:
                action:
                  name: skip
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter
        """;

    assertThatThrownBy(() -> parse(wrappedRouter))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("http_filters[0].typed_config.extension_config.typed_config")
        .hasMessageContaining("router");
  }

  @Test
  void anActionThatIsNoHttpFilterActionIsRefusedWithItsPath() {
    String rbacAction =
        """
        extension_config:
              name: composite
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.composite.v3.Composite
            xds_matcher:
              on_no_match:
                action:
                  name: allow
                  typed_config:
                    "@type": type.googleapis.com/envoy.config.rbac.v3.Action
                    name: allow
        """;

    assertThatThrownBy(() -> parse(rbacAction))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("xds_matcher.on_no_match.action.typed_config")
        .hasMessageContaining("envoy.config.rbac.v3.Action");
  }

  private static void parse(String extensionWithMatcher) throws Exception {
    HttpConnectionManager proto =
        BootstrapLoader.parseYaml(
                HCM.formatted(extensionWithMatcher), HttpConnectionManager.newBuilder())
            .build();
    HttpConnectionManagerConfig.from(proto, "hcm", 10000, OperationName.INGRESS);
  }
}
