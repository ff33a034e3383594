package io.attache.dataplane.hcm;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection manager's {@code scheme_header_transformation.scheme_to_overwrite} on Attaché and
 * on a stock Envoy 1.40 with the same bootstrap (the shape of the envoyproxy.io proxy example):
 * every request takes the configured scheme, whatever the client or a trusted {@code
 * x-forwarded-proto} said — the upstream sees it in {@code x-forwarded-proto}, a redirect's {@code
 * location} is built with it, and a {@code require_tls} virtual host lets it through.
 */
@ExtendWith(StockEnvoyExtension.class)
class SchemeHeaderTransformationDifferentialIT {
  @TempDir Path dir;
  private TestHttpServer upstream;

  @BeforeEach
  void start() {
    upstream = TestHttpServer.http1(TestHttpServer.echo("app"));
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  @Test
  void theOverwrittenSchemeReachesTheUpstreamAndBuildsRedirectsAsInEnvoy(Envoy envoy)
      throws Exception {
    String routes =
        """
        - match: { prefix: "/moved" }
          redirect: { path_redirect: "/new" }
        - match: { prefix: "/" }
          route: { cluster: app }
        """;
    String yaml =
        bootstrap(
            "scheme_header_transformation: { scheme_to_overwrite: https }\n"
                + "xff_num_trusted_hops: 1\n",
            routes,
            staticCluster("app", "", upstream.port()));
    Map<String, Request> requests = new LinkedHashMap<>();
    requests.put("plain", Request.get("/a"));
    requests.put("forwarded http", Request.get("/b", "x-forwarded-proto", "http"));
    requests.put("forwarded https", Request.get("/c", "x-forwarded-proto", "https"));
    requests.put("redirect", Request.get("/moved"));
    ExchangeRecorder recorder =
        new ExchangeRecorder(upstream, Set.of("location"), Set.of("x-forwarded-proto"));
    Map<String, Observed> attache;
    Map<String, Observed> stock;
    try (ProxyPair pair = ProxyPair.start(envoy, "scheme", yaml, dir)) {
      attache = recorder.send(pair.attache().port("ingress"), requests);
      stock = recorder.send(pair.envoy().port("ingress"), requests);
    }

    assertThat(attache).as("Attaché vs %s", envoy.describe()).isEqualTo(stock);
    assertThat(attache.get("forwarded http").upstreamHeaders())
        .containsEntry("x-forwarded-proto", "https");
    assertThat(attache.get("redirect").responseHeaders())
        .containsEntry("location", "https://127.0.0.1:PORT/new");
  }
}
