package io.attache.dataplane.runtime;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.testing.ProxyHarness;
import org.junit.jupiter.api.Test;

/**
 * A bootstrap's {@code layered_runtime} through a real proxy: a static layer turns a route's {@code
 * runtime_fraction} off, a later layer turns it back on, and a key no route reads is reported at
 * start-up.
 */
class LayeredRuntimeIT {
  private static final String ROUTES =
      """
      - match:
          prefix: "/"
          runtime_fraction:
            default_value: { numerator: 100, denominator: HUNDRED }
            runtime_key: routing.canary
        direct_response: { status: 200, body: { inline_string: canary } }
      - match: { prefix: "/" }
        direct_response: { status: 200, body: { inline_string: stable } }
      """;

  private static String withRuntime(String layers) {
    return "layered_runtime:\n  layers:\n" + layers + bootstrap("", ROUTES, "");
  }

  @Test
  void aStaticLayerTurnsARuntimeFractionRouteOffAndALaterLayerBackOn() throws Exception {
    String off = "  - name: base\n    static_layer: { routing: { canary: 0 } }\n";
    try (ProxyHarness proxy = ProxyHarness.start(withRuntime(off))) {
      assertThat(proxy.get("/").body()).isEqualTo("stable");
    }
    String backOn = off + "  - name: override\n    static_layer: { routing.canary: 100 }\n";
    try (ProxyHarness proxy = ProxyHarness.start(withRuntime(backOn))) {
      assertThat(proxy.get("/").body()).isEqualTo("canary");
    }
  }

  @Test
  void aKeyNoRouteReadsIsAWarningNotARefusal() throws Exception {
    String layers =
        "  - name: base\n"
            + "    static_layer:\n"
            + "      envoy.resource_limits.listener.ingress.connection_limit: 10000\n"
            + "      routing.canary: 50\n"
            + "  - name: admin\n"
            + "    admin_layer: {}\n";
    assertThat(ProxyServer.validate(BootstrapLoader.parse(withRuntime(layers), false)))
        .anySatisfy(
            w ->
                assertThat(w)
                    .contains("envoy.resource_limits.listener.ingress.connection_limit")
                    .contains("read by no static route"))
        .noneSatisfy(w -> assertThat(w).contains("'routing.canary'"));
  }
}
