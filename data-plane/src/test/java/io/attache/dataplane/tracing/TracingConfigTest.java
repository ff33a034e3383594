package io.attache.dataplane.tracing;

import static io.attache.dataplane.tracing.TracingConfigs.otel;
import static io.attache.dataplane.tracing.TracingConfigs.percent;
import static io.attache.dataplane.tracing.TracingConfigs.tracing;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.tracing.v3.CustomTag;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TracingConfigTest {
  private static ConfigException rejection(HttpConnectionManager.Tracing.Builder proto) {
    try {
      TracingConfig.from(
          proto.build(), "hcm.tracing", OperationName.INGRESS, Map.<String, String>of()::get);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected rejection of " + proto);
  }

  private static HttpConnectionManager.Tracing.Builder withOtel(OpenTelemetryConfig config) {
    return HttpConnectionManager.Tracing.newBuilder()
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName("envoy.tracers.opentelemetry")
                .setTypedConfig(Any.pack(config)));
  }

  @Test
  void defaultsToFullSamplingAndEnvoysPathLimit() throws Exception {
    TracingConfig config =
        TracingConfig.from(tracing().build(), "hcm.tracing", OperationName.INGRESS);

    assertThat(config.sampling()).isEqualTo(SamplingPolicy.ALWAYS);
    assertThat(config.maxPathTagLength()).isEqualTo(256);
    assertThat(config.spawnUpstreamSpan()).isFalse();
    OtlpExporterConfig exporter = config.exporter().orElseThrow();
    assertThat(exporter.clusterName()).isEqualTo("otel-collector");
    assertThat(exporter.serviceName()).isEqualTo("attache-test");
    assertThat(exporter.timeout()).isEqualTo(OtlpExporterConfig.DEFAULT_TIMEOUT);
  }

  @Test
  void convertsPercentagesToTenThousandths() throws Exception {
    TracingConfig config =
        TracingConfig.from(
            tracing()
                .setClientSampling(percent(12.5))
                .setRandomSampling(percent(0.01))
                .setOverallSampling(percent(100))
                .build(),
            "hcm.tracing",
            OperationName.INGRESS);
    assertThat(config.sampling()).isEqualTo(new SamplingPolicy(1250, 1, 10_000));
  }

  @Test
  void readsServiceNameDefaultTimeoutAndMetadata() throws Exception {
    OpenTelemetryConfig proto =
        OpenTelemetryConfig.newBuilder()
            .setGrpcService(
                GrpcService.newBuilder()
                    .setEnvoyGrpc(
                        GrpcService.EnvoyGrpc.newBuilder()
                            .setClusterName("collector")
                            .setAuthority("otel.internal"))
                    .setTimeout(Duration.newBuilder().setSeconds(2))
                    .addInitialMetadata(
                        HeaderValue.newBuilder().setKey("X-Tenant").setValue("acme")))
            .build();
    OtlpExporterConfig config = OtlpExporterConfig.from(proto, "p");
    assertThat(config.serviceName()).isEqualTo("unknown_service:envoy");
    assertThat(config.authority()).isEqualTo("otel.internal");
    assertThat(config.timeout()).isEqualTo(java.time.Duration.ofSeconds(2));
    assertThat(config.initialMetadata().get(0).getKey()).isEqualTo("x-tenant");
  }

  @Test
  void rejectsOtherProvidersAndUnsupportedOpenTelemetryFields() {
    HttpConnectionManager.Tracing.Builder zipkin =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName("envoy.tracers.zipkin")
                    .setTypedConfig(Any.pack(ZipkinConfig.getDefaultInstance())));
    assertThat(rejection(zipkin).fieldPath()).isEqualTo("hcm.tracing.provider");

    assertThat(
            rejection(
                    withOtel(
                        otel("c").toBuilder()
                            .setHttpService(HttpService.getDefaultInstance())
                            .build()))
                .fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.http_service");
    assertThat(
            rejection(
                    withOtel(
                        otel("c").toBuilder()
                            .setSampler(TypedExtensionConfig.newBuilder().setName("always_on"))
                            .build()))
                .fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.sampler");
    assertThat(rejection(withOtel(OpenTelemetryConfig.getDefaultInstance())).fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.grpc_service");
    assertThat(
            rejection(
                    withOtel(
                        OpenTelemetryConfig.newBuilder()
                            .setGrpcService(
                                GrpcService.newBuilder()
                                    .setGoogleGrpc(GrpcService.GoogleGrpc.newBuilder()))
                            .build()))
                .fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.grpc_service.google_grpc");
  }

  @Test
  void rejectsBadPercentagesAndCustomTags() {
    assertThat(rejection(tracing().setRandomSampling(percent(101))).fieldPath())
        .isEqualTo("hcm.tracing.random_sampling.value");
    assertThat(
            rejection(
                    tracing()
                        .addCustomTags(
                            CustomTag.newBuilder()
                                .setTag("m")
                                .setMetadata(CustomTag.Metadata.getDefaultInstance())))
                .fieldPath())
        .isEqualTo("hcm.tracing.custom_tags[0].metadata");
    CustomTag literal =
        CustomTag.newBuilder()
            .setTag("dup")
            .setLiteral(CustomTag.Literal.newBuilder().setValue("v"))
            .build();
    assertThat(rejection(tracing().addCustomTags(literal).addCustomTags(literal)).fieldPath())
        .isEqualTo("hcm.tracing.custom_tags[1].tag");
  }
}
