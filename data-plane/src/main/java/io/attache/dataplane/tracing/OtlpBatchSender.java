package io.attache.dataplane.tracing;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a batch of spans as one OTLP export request (one {@code ResourceSpans} carrying {@code
 * service.name}) and counts it in {@code tracing.opentelemetry.<stem>_sent}, {@code _success} and
 * {@code _failed}, the stem being the client's ({@code grpc_reports} or {@code http_reports}).
 * Never waits for the collector.
 */
final class OtlpBatchSender implements BatchingSpanExporter.BatchSender {
  private static final Logger log = LoggerFactory.getLogger(OtlpBatchSender.class);

  private final String serviceName;
  private final OtlpTraceClient client;
  private final Counter reportsSent;
  private final Counter reportsSuccess;
  private final Counter reportsFailed;

  OtlpBatchSender(String serviceName, OtlpTraceClient client, StatsStore stats) {
    this.serviceName = serviceName;
    this.client = client;
    String reports = BatchingSpanExporter.PREFIX + client.reportsStatStem();
    this.reportsSent = stats.counter(reports + "_sent");
    this.reportsSuccess = stats.counter(reports + "_success");
    this.reportsFailed = stats.counter(reports + "_failed");
  }

  @Override
  public void send(List<SpanData> batch) {
    reportsSent.inc();
    OtlpTraceService.ExportRequest request =
        new OtlpTraceService.ExportRequest(List.of(OtlpSpans.toResourceSpans(serviceName, batch)));
    try {
      client
          .export(request)
          .whenComplete(
              (response, failure) -> {
                if (failure == null) {
                  reportsSuccess.inc();
                  if (response.rejectedSpans() > 0) {
                    log.debug(
                        "OTLP collector rejected {} spans: {}",
                        response.rejectedSpans(),
                        response.errorMessage());
                  }
                } else {
                  reportsFailed.inc();
                  log.debug("OTLP trace export failed: {}", failure.toString());
                }
              });
    } catch (RuntimeException e) {
      reportsFailed.inc();
      log.debug("OTLP trace export failed: {}", e.toString());
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
