package io.attache.testing.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Envoy the build installed (interop/envoy/install.sh, run by Maven before these tests) is the
 * pinned release, runs with the flags every Envoy test uses, and validates configs.
 */
@ExtendWith(StockEnvoyExtension.class)
class EnvoyInstallIT {

  private static final String STATIC_BOOTSTRAP =
      """
      node: { id: install-check, cluster: install-check }
      admin:
        address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
      static_resources:
        listeners:
        - name: direct
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: direct
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: { prefix: "/" }
                      direct_response: { status: 200, body: { inline_string: ok } }
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  @TempDir Path dir;

  @Test
  void theBuildInstalledThePinnedEnvoyRelease(Envoy envoy) {
    EnvoyLocator.Result result = StockEnvoyExtension.located();

    assertThat(envoy.version()).isEqualTo(EnvoyLocator.PINNED_VERSION);
    if (System.getProperty(EnvoyLocator.BINARY_PROPERTY) == null
        && System.getenv(EnvoyLocator.BINARY_ENV) == null) {
      assertThat(envoy.origin()).as(result.explain()).startsWith("venv ");
    }
  }

  @Test
  void startsWithAnAdminPortTheKernelPickedAndStopsWhenClosed(Envoy envoy) throws Exception {
    RunningEnvoy running = envoy.start("static", STATIC_BOOTSTRAP, dir);

    assertThat(running.adminPort()).isPositive();
    assertThat(running.admin("/server_info")).contains("\"version\"").contains(envoy.version());
    assertThat(running.admin("/listeners")).contains("direct::127.0.0.1:");
    assertThat(running.stat("server.concurrency")).isEqualTo(1);

    running.close();
    assertThat(running.isAlive()).isFalse();
  }

  @Test
  void validateModeAcceptsAGoodConfigAndNamesWhatIsWrongWithABadOne(Envoy envoy) throws Exception {
    assertThat(envoy.validate("good", STATIC_BOOTSTRAP, dir).valid()).isTrue();

    Envoy.Validation bad =
        envoy.validate("bad", STATIC_BOOTSTRAP.replace("prefix: \"/\"", "prefx: \"/\""), dir);

    assertThat(bad.valid()).isFalse();
    assertThat(bad.reason()).contains("prefx");
  }
}
