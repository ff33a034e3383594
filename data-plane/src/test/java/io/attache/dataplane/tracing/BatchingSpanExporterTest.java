package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class BatchingSpanExporterTest {
  private static final Executor DIRECT = Runnable::run;

  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final RecordingOtlpClient client = new RecordingOtlpClient();
  private BatchingSpanExporter exporter =
      new BatchingSpanExporter(
          "checkout", client, stats, scheduler, DIRECT, BatchingSpanExporter.Settings.DEFAULTS);

  @AfterEach
  void closeAndCheckNoTimerIsLeft() {
    exporter.close();
    assertThat(scheduler.pending()).as("timers after close").isEmpty();
  }

  private static SpanData span(String name) {
    return new SpanData(
        "4bf92f3577b34da6a3ce929d0e0e4736",
        "00f067aa0ba902b7",
        "",
        "",
        name,
        SpanKind.SERVER,
        1,
        2,
        Map.of("component", "proxy"));
  }

  private long stat(String name) {
    return stats.counter("tracing.opentelemetry." + name).value();
  }

  @Test
  void exportsAsSoonAsFiveSpansAreWaiting() {
    for (int i = 1; i <= 4; i++) {
      exporter.accept(span("s" + i));
    }
    assertThat(client.requests).isEmpty();

    exporter.accept(span("s5"));

    assertThat(client.batchSizes()).containsExactly(5);
    assertThat(client.spanNames()).containsExactly("s1", "s2", "s3", "s4", "s5");
    assertThat(stat("spans_sent")).isEqualTo(5);
    assertThat(stat("grpc_reports_sent")).isEqualTo(1);
    assertThat(stat("grpc_reports_success")).isEqualTo(1);
  }

  @Test
  void exportsWhatIsLeftWhenTheFlushTimerFires() {
    assertThat(scheduler.pendingDelays()).containsExactly(Duration.ofSeconds(5));
    exporter.accept(span("lonely"));

    scheduler.runPending();

    assertThat(client.spanNames()).containsExactly("lonely");
    assertThat(stat("timer_flushed")).isEqualTo(1);
    assertThat(scheduler.pendingDelays()).as("re-armed").containsExactly(Duration.ofSeconds(5));

    scheduler.runPending();
    assertThat(client.requests).as("an empty buffer sends nothing").hasSize(1);
    assertThat(stat("timer_flushed")).isEqualTo(2);
  }

  @Test
  void dropsAndCountsSpansWhenTheQueueIsFull() {
    Executor never = task -> {}; // the export thread is stuck: nothing drains the queue
    exporter.close();
    exporter =
        new BatchingSpanExporter(
            "checkout",
            client,
            stats,
            scheduler,
            never,
            new BatchingSpanExporter.Settings(5, Duration.ofSeconds(5), 8));

    for (int i = 0; i < 11; i++) {
      exporter.accept(span("s" + i));
    }

    assertThat(stat("spans_dropped")).isEqualTo(3);
    assertThat(client.requests).isEmpty();
  }

  @Test
  void countsAFailedExport() {
    client.fail = true;
    for (int i = 0; i < 5; i++) {
      exporter.accept(span("s" + i));
    }
    assertThat(stat("grpc_reports_failed")).isEqualTo(1);
    assertThat(stat("grpc_reports_success")).isZero();
  }

  @Test
  void closingExportsWhatIsQueuedAndClosesTheClient() {
    exporter.accept(span("last"));
    exporter.close();

    assertThat(client.spanNames()).containsExactly("last");
    assertThat(client.closed).isTrue();
    exporter.accept(span("after-close"));
    assertThat(stat("spans_dropped")).isEqualTo(1);
  }

  @Test
  void sendsOtlpWithServiceNameIdsKindAndStringAttributes() {
    for (int i = 0; i < 5; i++) {
      exporter.accept(span("s" + i));
    }
    var resourceSpans = client.requests.get(0).resourceSpans().get(0);
    assertThat(resourceSpans.getResource().getAttributes(0).getKey()).isEqualTo("service.name");
    assertThat(resourceSpans.getResource().getAttributes(0).getValue().getStringValue())
        .isEqualTo("checkout");
    Span proto = resourceSpans.getScopeSpans(0).getSpans(0);
    assertThat(proto.getTraceId().size()).isEqualTo(16);
    assertThat(proto.getSpanId().size()).isEqualTo(8);
    assertThat(proto.getParentSpanId().isEmpty()).isTrue();
    assertThat(proto.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_SERVER);
    assertThat(proto.getStartTimeUnixNano()).isEqualTo(1);
    assertThat(proto.getEndTimeUnixNano()).isEqualTo(2);
    assertThat(proto.getAttributes(0).getValue().getStringValue()).isEqualTo("proxy");
  }
}
