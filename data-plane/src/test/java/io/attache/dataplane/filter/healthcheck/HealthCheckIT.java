package io.attache.dataplane.filter.healthcheck;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The health-check filter on real sockets: the proxy answers {@code /healthz} itself (200 while its
 * cluster has healthy hosts, 503 after {@code POST /healthcheck/fail}) and forwards every other
 * request.
 */
class HealthCheckIT {
  private static final String FILTERS =
      """
                http_filters:
                - name: envoy.filters.http.health_check
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.health_check.v3.HealthCheck
                    pass_through_mode: false
                    headers:
                    - name: ":path"
                      string_match: { exact: "/healthz" }
                    cluster_min_healthy_percentages:
                      backend: { value: 100 }
      """;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @BeforeEach
  void start() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    staticCluster("backend", "", upstream.port()))
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

  @Test
  void theProxyAnswersHealthChecksItselfAndFailsThemOnRequest() throws Exception {
    HttpResponse<String> healthy = proxy.get("/healthz");
    assertThat(healthy.statusCode()).isEqualTo(200);
    assertThat(healthy.headers().firstValue("x-envoy-upstream-healthchecked-cluster")).isPresent();
    assertThat(upstream.received()).isEmpty();

    assertThat(proxy.get("/work").statusCode()).isEqualTo(200);
    assertThat(upstream.received()).hasSize(1);

    var admin = proxy.server().adminAddress();
    HttpResponse<String> fail =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + admin.getPort() + "/healthcheck/fail"))
                    .timeout(Duration.ofSeconds(10))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(fail.statusCode()).isEqualTo(200);

    assertThat(proxy.get("/healthz").statusCode()).isEqualTo(503);
    HttpResponse<String> work = proxy.get("/work");
    assertThat(work.statusCode()).isEqualTo(200);
    assertThat(work.headers().firstValue("x-envoy-immediate-health-check-fail")).hasValue("true");
  }
}
