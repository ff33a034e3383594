package io.attache.dataplane.filter.fault;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A fault policy written the way the control plane writes it — an empty {@code HTTPFault} filter in
 * the chain and the fault itself in one route's {@code typed_per_filter_config} — on real sockets,
 * counting what the upstream really saw.
 */
class PerRouteFaultIT {
  private static final String FAULT_FILTER =
      """
                http_filters:
                - name: envoy.filters.http.fault
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
      """;

  private static final String ROUTES =
      """
      - match: { prefix: "/teapot" }
        route: { cluster: backend }
        typed_per_filter_config:
          envoy.filters.http.fault:
            "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
            abort:
              http_status: 418
              percentage: { numerator: 100, denominator: HUNDRED }
      - match: { prefix: "/" }
        route: { cluster: backend }
      """;

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
    start(filters, ROUTES);
  }

  private void start(String filters, String routes) throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap("", routes, staticCluster("backend", "", upstream.port()))
                .replace("          http_filters:\n", filters));
  }

  @Test
  void abortsOnlyTheRouteWhosePerFilterConfigAsksForIt() throws Exception {
    start(FAULT_FILTER);

    HttpResponse<String> aborted = proxy.get("/teapot/brew");

    assertThat(aborted.statusCode()).isEqualTo(418);
    assertThat(aborted.body()).isEqualTo("fault filter abort");
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("http.ingress.fault.aborts_injected")).isEqualTo(1);

    HttpResponse<String> passed = proxy.get("/coffee");

    assertThat(passed.statusCode()).isEqualTo(200);
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::uri)
        .containsExactly("/coffee");
    assertThat(proxy.stat("http.ingress.fault.aborts_injected")).isEqualTo(1);
  }

  @Test
  void ignoresThePerRouteEntryWhenTheConnectionManagerHasNoFaultFilter() throws Exception {
    start("          http_filters:\n");

    HttpResponse<String> r = proxy.get("/teapot/brew");

    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("http.ingress.fault.aborts_injected")).isZero();
  }

  @Test
  void findsTheEntryUnderTheFiltersConfiguredName() throws Exception {
    start(
        FAULT_FILTER.replace("- name: envoy.filters.http.fault", "- name: chaos"),
        ROUTES.replace("envoy.filters.http.fault:", "chaos:"));

    HttpResponse<String> r = proxy.get("/teapot/brew");

    assertThat(r.statusCode()).isEqualTo(418);
    assertThat(upstream.received()).isEmpty();
  }
}
