package io.attache.dataplane.tracing;

import java.util.concurrent.CompletableFuture;

/**
 * Sends one OTLP export request to the collector. The production implementation is {@link
 * GrpcOtlpTraceClient}; tests may record requests instead. {@link #export} must not block: it
 * starts the call and completes the future when the collector answers.
 */
public interface OtlpTraceClient extends AutoCloseable {
  CompletableFuture<OtlpTraceService.ExportResponse> export(OtlpTraceService.ExportRequest request);

  @Override
  void close();
}
