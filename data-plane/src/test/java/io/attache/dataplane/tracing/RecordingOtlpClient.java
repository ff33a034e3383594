package io.attache.dataplane.tracing;

import io.opentelemetry.proto.trace.v1.Span;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * An OtlpTraceClient that records each export request and answers with the outcome the test sets;
 * its description lists every request, so a failed assertion shows what was sent.
 */
final class RecordingOtlpClient implements OtlpTraceClient {
  final List<OtlpTraceService.ExportRequest> requests = new ArrayList<>();
  boolean fail;
  boolean closed;

  @Override
  public synchronized CompletableFuture<OtlpTraceService.ExportResponse> export(
      OtlpTraceService.ExportRequest request) {
    requests.add(request);
    return fail
        ? CompletableFuture.failedFuture(new IllegalStateException("collector down"))
        : CompletableFuture.completedFuture(OtlpTraceService.ExportResponse.OK);
  }

  synchronized List<Integer> batchSizes() {
    return requests.stream()
        .map(r -> r.resourceSpans().get(0).getScopeSpans(0).getSpansCount())
        .toList();
  }

  synchronized List<String> spanNames() {
    List<String> names = new ArrayList<>();
    for (OtlpTraceService.ExportRequest r : requests) {
      for (Span s : r.resourceSpans().get(0).getScopeSpans(0).getSpansList()) {
        names.add(s.getName());
      }
    }
    return names;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }

  @Override
  public synchronized String toString() {
    return "RecordingOtlpClient" + requests;
  }
}
