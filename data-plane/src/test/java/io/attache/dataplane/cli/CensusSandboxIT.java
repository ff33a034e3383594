package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The census's sandbox files are what Envoy needs: a bootstrap naming the certificates a sandbox
 * generates at start-up (one pair named twice, the second time with its OCSP staple, as Envoy's
 * {@code ssl.yaml} does) validates in a stock Envoy and in Attaché once {@link CensusSandbox} made
 * them, and a file the sandbox does not make stays missing for both.
 */
@ExtendWith(StockEnvoyExtension.class)
class CensusSandboxIT {

  private static final String TLS_BOOTSTRAP =
      """
      static_resources:
        listeners:
        - name: tls
          address: {socket_address: {address: 127.0.0.1, port_value: 10000}}
          filter_chains:
          - filters:
            - name: envoy.filters.network.http_connection_manager
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                stat_prefix: tls
                route_config:
                  virtual_hosts:
                  - name: all
                    domains: ["*"]
                    routes:
                    - match: {prefix: "/"}
                      route: {cluster: backend}
                http_filters:
                - name: envoy.filters.http.router
                  typed_config:
                    "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            transport_socket:
              name: envoy.transport_sockets.tls
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                common_tls_context:
                  tls_certificates:
                  - certificate_chain: {filename: certs/servercert.pem}
                    private_key: {filename: certs/serverkey.pem}
                  validation_context:
                    trusted_ca: {filename: %s}
        clusters:
        - name: backend
          type: STATIC
          load_assignment:
            cluster_name: backend
            endpoints:
            - lb_endpoints:
              - endpoint: {address: {socket_address: {address: 127.0.0.1, port_value: 8080}}}
          transport_socket:
            name: envoy.transport_sockets.tls
            typed_config:
              "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
              common_tls_context:
                tls_certificates:
                - certificate_chain: {filename: certs/servercert.pem}
                  private_key: {filename: certs/serverkey.pem}
                  ocsp_staple: {filename: certs/server_ocsp_resp.der}
      """;

  @TempDir Path scratch;

  @Test
  void aBootstrapNamingTheSandboxCertificatesValidatesInBothOnceTheyAreGenerated(Envoy envoy)
      throws Exception {
    assertThat(envoy.binaryPath())
        .as("the census runs an Envoy binary in each sandbox")
        .isPresent();
    ExampleBootstrapCensus.Row row =
        ExampleBootstrapCensus.census(
            "test:tls.yaml",
            TLS_BOOTSTRAP.formatted("certs/cacert.pem"),
            scratch,
            envoy.binaryPath());

    assertThat(row.sandbox().generated())
        .containsExactly(
            "certs/cacert.pem",
            "certs/server_ocsp_resp.der",
            "certs/servercert.pem",
            "certs/serverkey.pem");
    assertThat(row.sandbox().missing()).isEmpty();
    assertThat(row.envoy().reason()).isNull();
    assertThat(row.envoy().accepted()).isTrue();
    assertThat(row.attache().reason()).isNull();
    assertThat(row.attache().accepted()).isTrue();
  }

  @Test
  void aFileOutsideTheSandboxStaysMissingAndBothRefuseIt(Envoy envoy) throws Exception {
    ExampleBootstrapCensus.Row row =
        ExampleBootstrapCensus.census(
            "test:tls.yaml",
            TLS_BOOTSTRAP.formatted("../elsewhere/cacert.pem"),
            scratch,
            envoy.binaryPath());

    assertThat(row.sandbox().missing()).containsExactly("../elsewhere/cacert.pem");
    assertThat(row.sandbox().generated()).doesNotContain("../elsewhere/cacert.pem");
    assertThat(row.envoy().accepted()).isFalse();
    assertThat(row.envoy().reason()).contains("elsewhere/cacert.pem");
    assertThat(row.attache().accepted()).isFalse();
    assertThat(row.attache().reason())
        .startsWith(
            "static_resources.listeners.filter_chains.transport_socket.typed_config"
                + ".common_tls_context.validation_context.trusted_ca.filename: cannot read");
  }
}
