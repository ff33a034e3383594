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
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HttpService;
import io.envoyproxy.envoy.config.core.v3.HttpUri;
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
    assertThat(config.headers().get(0).getKey()).isEqualTo("x-tenant");
  }

  private static HttpService.Builder httpService() {
    return HttpService.newBuilder()
        .setHttpUri(
            HttpUri.newBuilder()
                .setUri("https://collector.example:4318/v1/traces")
                .setCluster("otel")
                .setTimeout(Duration.newBuilder().setSeconds(3)))
        .addRequestHeadersToAdd(
            HeaderValueOption.newBuilder()
                .setHeader(HeaderValue.newBuilder().setKey("X-Tenant").setValue("acme")));
  }

  @Test
  void readsAnHttpServiceAsOtlpHttpToItsClusterPathAndAuthority() throws Exception {
    OtlpExporterConfig config =
        OtlpExporterConfig.from(
            OpenTelemetryConfig.newBuilder().setHttpService(httpService()).build(), "p");

    assertThat(config.protocol()).isEqualTo(OtlpExporterConfig.Protocol.HTTP_PROTOBUF);
    assertThat(config.clusterName()).isEqualTo("otel");
    assertThat(config.authority()).isEqualTo("collector.example:4318");
    assertThat(config.path()).isEqualTo("/v1/traces");
    assertThat(config.timeout()).isEqualTo(java.time.Duration.ofSeconds(3));
    assertThat(config.headers().get(0).getKey()).isEqualTo("x-tenant");
    assertThat(config.clusterFieldPath()).isEqualTo("p.http_service.http_uri.cluster");
  }

  @Test
  void aGrpcServiceDefaultsTheAuthorityToTheClusterName() throws Exception {
    OtlpExporterConfig config = OtlpExporterConfig.from(otel("collector"), "p");

    assertThat(config.protocol()).isEqualTo(OtlpExporterConfig.Protocol.GRPC);
    assertThat(config.authority()).isEqualTo("collector");
    assertThat(config.path())
        .isEqualTo("/opentelemetry.proto.collector.trace.v1.TraceService/Export");
  }

  @Test
  void rejectsAnHttpServiceItCannotHonourByFieldPath() {
    String base = "hcm.tracing.provider.typed_config.http_service";
    assertThat(
            rejection(
                    withOtel(
                        OpenTelemetryConfig.newBuilder()
                            .setHttpService(
                                httpService()
                                    .setHttpUri(
                                        httpService().getHttpUri().toBuilder().clearTimeout()))
                            .build()))
                .fieldPath())
        .isEqualTo(base + ".http_uri.timeout");
    assertThat(
            rejection(
                    withOtel(
                        OpenTelemetryConfig.newBuilder()
                            .setHttpService(
                                httpService()
                                    .setHttpUri(
                                        httpService().getHttpUri().toBuilder().setUri("/v1")))
                            .build()))
                .fieldPath())
        .isEqualTo(base + ".http_uri.uri");
    assertThat(
            rejection(
                    withOtel(
                        OpenTelemetryConfig.newBuilder()
                            .setHttpService(
                                httpService()
                                    .addRequestHeadersToAdd(
                                        HeaderValueOption.newBuilder()
                                            .setHeader(
                                                HeaderValue.newBuilder()
                                                    .setKey("x-a")
                                                    .setValue("b"))
                                            .setAppendAction(
                                                HeaderValueOption.HeaderAppendAction
                                                    .OVERWRITE_IF_EXISTS)))
                            .build()))
                .fieldPath())
        .isEqualTo(base + ".request_headers_to_add[1].append_action");
  }

  @Test
  void rejectsOtherProvidersAndUnsupportedOpenTelemetryFields() {
    HttpConnectionManager.Tracing.Builder xray =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName("envoy.tracers.xray")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.config.trace.v3.XRayConfig.getDefaultInstance())));
    assertThat(rejection(xray).fieldPath()).isEqualTo("hcm.tracing.provider");
    HttpConnectionManager.Tracing.Builder datadogWithoutAgent =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName("envoy.tracers.datadog")
                    .setTypedConfig(
                        Any.pack(
                            io.envoyproxy.envoy.config.trace.v3.DatadogConfig
                                .getDefaultInstance())));
    assertThat(rejection(datadogWithoutAgent).fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.collector_cluster");
    HttpConnectionManager.Tracing.Builder zipkinWithoutCollector =
        HttpConnectionManager.Tracing.newBuilder()
            .setProvider(
                io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                    .setName("envoy.tracers.zipkin")
                    .setTypedConfig(Any.pack(ZipkinConfig.getDefaultInstance())));
    assertThat(rejection(zipkinWithoutCollector).fieldPath())
        .isEqualTo("hcm.tracing.provider.typed_config.collector_cluster");

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
