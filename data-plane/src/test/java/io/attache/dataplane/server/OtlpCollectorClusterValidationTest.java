package io.attache.dataplane.server;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.routeAllTo;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import org.junit.jupiter.api.Test;

/** An OTLP/gRPC collector cluster the exporter could not speak gRPC to is refused at load. */
class OtlpCollectorClusterValidationTest {
  private static final String GRPC_TRACING =
      """
      tracing:
        provider:
          name: envoy.tracers.opentelemetry
          typed_config:
            "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
            grpc_service:
              envoy_grpc: { cluster_name: otel }
      """;

  @Test
  void refusesAnHttp1OnlyCollectorClusterForOtlpGrpcNamingTheClusterField() {
    assertThatThrownBy(
            () ->
                ProxyServer.validate(
                    BootstrapLoader.parse(
                        bootstrap(GRPC_TRACING, routeAllTo("otel"), staticCluster("otel", "", 9)),
                        false)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "static_resources.listeners[0].filter_chains[0].filters[0].typed_config.tracing"
                + ".provider.typed_config.grpc_service.envoy_grpc.cluster_name")
        .hasMessageContaining("HTTP/2");
  }

  @Test
  void acceptsAnHttp2CollectorCluster() throws ConfigException {
    assertThat(
            ProxyServer.validate(
                BootstrapLoader.parse(
                    bootstrap(
                        GRPC_TRACING,
                        routeAllTo("otel"),
                        staticCluster("otel", "http2_protocol_options: {}", 9)),
                    false)))
        .isEmpty();
  }
}
