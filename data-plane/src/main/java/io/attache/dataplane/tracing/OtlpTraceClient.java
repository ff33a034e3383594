package io.attache.dataplane.tracing;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one OTLP export request to the collector. Production implementations are {@link
 * GrpcOtlpTraceClient} and {@link HttpOtlpTraceClient}; tests may record requests instead. {@link
 * #export} must not block: it starts the call and completes the future when the collector answers.
 */
public interface OtlpTraceClient extends AutoCloseable {
  CompletableFuture<OtlpTraceService.ExportResponse> export(OtlpTraceService.ExportRequest request);

  /**
   * The stem of the exporter's report counters: Envoy's {@code grpc_reports_*} for OTLP/gRPC,
   * {@code http_reports_*} for OTLP/HTTP.
   */
  default String reportsStatStem() {
    return "grpc_reports";
  }

  @Override
  void close();
}
