package io.attache.dataplane.tracing;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.dns.ManualScheduler;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The SkyWalking reporter's batching, cache and back-off, on a scripted collect call and a manual
 * scheduler: no sockets, no waiting.
 */
class SkyWalkingReporterTest {
  private final StatsStore stats = new StatsStore();
  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<CompletableFuture<String>> calls = new ArrayList<>();
  private final List<List<String>> bodies = new ArrayList<>();

  private SkyWalkingReporter reporter(int maxCacheSize) {
    return new SkyWalkingReporter(
        maxCacheSize,
        body -> {
          bodies.add(messages(body));
          CompletableFuture<String> call = new CompletableFuture<>();
          calls.add(call);
          return call;
        },
        scheduler,
        RandomSource.seeded(3),
        stats);
  }

  private static List<String> messages(byte[] body) {
    List<String> out = new ArrayList<>();
    ByteBuffer buffer = ByteBuffer.wrap(body);
    while (buffer.hasRemaining()) {
      assertThat(buffer.get()).as("uncompressed gRPC frame").isZero();
      byte[] message = new byte[buffer.getInt()];
      buffer.get(message);
      out.add(new String(message, StandardCharsets.UTF_8));
    }
    return out;
  }

  private static byte[] segment(String name) {
    return name.getBytes(StandardCharsets.UTF_8);
  }

  private long stat(String name) {
    return stats.counter("tracing.skywalking." + name).value();
  }

  @Test
  void aSegmentIsSentAtOnceAndThoseFinishingDuringTheCallGoInTheNextOne() {
    SkyWalkingReporter reporter = reporter(10);
    reporter.report(segment("a"));
    reporter.report(segment("b"));
    reporter.report(segment("c"));
    assertThat(bodies).containsExactly(List.of("a"));

    calls.get(0).complete(null);
    assertThat(bodies).containsExactly(List.of("a"), List.of("b", "c"));
    calls.get(1).complete(null);
    assertThat(stat("segments_sent")).isEqualTo(3);
    assertThat(stat("segments_flushed")).isZero();
    assertThat(scheduler.pending()).isEmpty();
  }

  @Test
  void afterAFailedCallSegmentsAreCachedUntilTheBackOffThenFlushed() {
    SkyWalkingReporter reporter = reporter(10);
    reporter.report(segment("a"));
    calls.get(0).complete("grpc-status 14");
    assertThat(scheduler.pendingDelays()).hasSize(1);
    assertThat(scheduler.pendingDelays().get(0))
        .isBetween(Duration.ofMillis(1), Duration.ofMillis(500));

    reporter.report(segment("b"));
    reporter.report(segment("c"));
    assertThat(bodies).hasSize(1);

    scheduler.runPending();
    assertThat(bodies).containsExactly(List.of("a"), List.of("b", "c"));
    assertThat(stat("segments_sent")).isEqualTo(3);
    assertThat(stat("segments_flushed")).isEqualTo(2);
    assertThat(stat("cache_flushed")).isEqualTo(1);
  }

  @Test
  void theBackOffDoublesUpToThirtySecondsAndResetsAfterASuccess() {
    SkyWalkingReporter reporter = reporter(10);
    reporter.report(segment("a"));
    List<Duration> bounds = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      calls.get(calls.size() - 1).completeExceptionally(new java.io.IOException("reset"));
      bounds.add(scheduler.pendingDelays().get(0));
      reporter.report(segment("x" + i));
      scheduler.runPending();
    }
    long[] caps = {500, 1000, 2000, 4000, 8000, 16000, 30000, 30000};
    for (int i = 0; i < caps.length; i++) {
      assertThat(bounds.get(i).toMillis()).as("back-off %d", i).isBetween(1L, caps[i]);
    }
    calls.get(calls.size() - 1).complete(null);
    reporter.report(segment("y"));
    calls.get(calls.size() - 1).complete("HTTP status 503");
    assertThat(scheduler.pendingDelays().get(0).toMillis()).isBetween(1L, 500L);
  }

  @Test
  void aFullCacheDropsItsOldestSegment() {
    SkyWalkingReporter reporter = reporter(2);
    reporter.report(segment("a"));
    calls.get(0).complete("grpc-status 14");
    reporter.report(segment("b"));
    reporter.report(segment("c"));
    reporter.report(segment("d"));
    assertThat(stat("segments_dropped")).isEqualTo(1);

    scheduler.runPending();
    assertThat(bodies.get(1)).containsExactly("c", "d");
  }

  @Test
  void closingSendsWhatIsCachedAndStopsRetrying() {
    SkyWalkingReporter reporter = reporter(10);
    reporter.report(segment("a"));
    calls.get(0).complete("grpc-status 14");
    reporter.report(segment("b"));
    reporter.close();
    assertThat(bodies).containsExactly(List.of("a"), List.of("b"));
    assertThat(scheduler.pending()).isEmpty();
    reporter.report(segment("late"));
    assertThat(stat("segments_dropped")).isEqualTo(1);
  }
}
