package io.attache.dataplane.tracing;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.config.trace.v3.ZipkinConfig;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.type.v3.Percent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Builders for HCM tracing protos, requests and a recording span sink. */
final class TracingConfigs {
  private TracingConfigs() {}

  static OpenTelemetryConfig otel(String cluster) {
    return OpenTelemetryConfig.newBuilder()
        .setGrpcService(
            GrpcService.newBuilder()
                .setEnvoyGrpc(GrpcService.EnvoyGrpc.newBuilder().setClusterName(cluster)))
        .setServiceName("attache-test")
        .build();
  }

  static HttpConnectionManager.Tracing.Builder tracing() {
    return HttpConnectionManager.Tracing.newBuilder()
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName(OtlpExporterConfig.PROVIDER_NAME)
                .setTypedConfig(Any.pack(otel("otel-collector"))));
  }

  /** An HCM tracing block with the Zipkin provider reporting JSON v2 to {@code cluster}. */
  static HttpConnectionManager.Tracing.Builder zipkinTracing(
      String cluster, java.util.function.UnaryOperator<ZipkinConfig.Builder> customise) {
    return HttpConnectionManager.Tracing.newBuilder()
        .setProvider(
            io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                .setName(ZipkinTracerConfig.PROVIDER_NAME)
                .setTypedConfig(
                    Any.pack(
                        customise
                            .apply(
                                ZipkinConfig.newBuilder()
                                    .setCollectorCluster(cluster)
                                    .setCollectorEndpoint("/api/v2/spans")
                                    .setCollectorEndpointVersion(
                                        ZipkinConfig.CollectorEndpointVersion.HTTP_JSON))
                            .build())));
  }

  static Percent percent(double value) {
    return Percent.newBuilder().setValue(value).build();
  }

  static TracingConfig parse(HttpConnectionManager.Tracing.Builder proto, OperationName op) {
    try {
      return TracingConfig.from(proto.build(), "tracing", op, Map.of("POD", "pod-7")::get);
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  static HttpRequest request(String method, String uri, String... headerPairs) {
    HttpRequest request =
        new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.valueOf(method), uri);
    request.headers().set("host", "api.example");
    request.headers().set("x-forwarded-proto", "http");
    for (int i = 0; i < headerPairs.length; i += 2) {
      request.headers().add(headerPairs[i], headerPairs[i + 1]);
    }
    return request;
  }

  /** A SpanSink that keeps every span, for assertions. */
  static final class RecordingSink implements SpanSink {
    final List<SpanData> spans = new ArrayList<>();

    @Override
    public synchronized void accept(SpanData span) {
      spans.add(span);
    }

    @Override
    public synchronized String toString() {
      return "RecordingSink" + spans;
    }
  }
}
