package io.attache.bench.micro;

import io.attache.dataplane.stats.Histogram;
import io.attache.dataplane.stats.StatsStore;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;

/**
 * What Envoy's request-path histograms cost the proxy per request: the two every request records
 * ({@code cluster.<c>.upstream_rq_time} and {@code http.<p>.downstream_rq_time}), and all five when
 * every request also opens and closes its connections ({@code upstream_cx_connect_ms}, {@code
 * upstream_cx_length_ms}, {@code downstream_cx_length_ms}: the worst case, no keep-alive), on one
 * thread and on two threads recording into the same histograms (the proxy's two event loops on this
 * machine). Values are realistic milliseconds (log-uniform over 0..10 s) read from a pre-drawn
 * table so the JIT cannot fold them. Benchmark code only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class HistogramRecordingBenchmark {
  private static final int VALUES = 4096;

  private final long[] millis = new long[VALUES];
  private Histogram upstreamRqTime;
  private Histogram downstreamRqTime;
  private Histogram upstreamCxConnectMs;
  private Histogram upstreamCxLengthMs;
  private Histogram downstreamCxLengthMs;

  /** Each thread walks the value table from its own offset. */
  @State(Scope.Thread)
  public static class Cursor {
    int next;

    @Setup
    public void start() {
      next = (int) (Thread.currentThread().getId() * 997) & (VALUES - 1);
    }

    int advance() {
      next = (next + 1) & (VALUES - 1);
      return next;
    }
  }

  @Setup
  public void setUp() {
    StatsStore stats = new StatsStore();
    upstreamRqTime = stats.histogram("cluster.backend.upstream_rq_time");
    downstreamRqTime = stats.histogram("http.ingress.downstream_rq_time");
    upstreamCxConnectMs = stats.histogram("cluster.backend.upstream_cx_connect_ms");
    upstreamCxLengthMs = stats.histogram("cluster.backend.upstream_cx_length_ms");
    downstreamCxLengthMs = stats.histogram("http.ingress.downstream_cx_length_ms");
    SplittableRandom random = new SplittableRandom(17);
    for (int i = 0; i < VALUES; i++) {
      millis[i] = (long) Math.pow(10, random.nextDouble(0, 4)) - 1;
    }
  }

  @Benchmark
  public void perRequest(Cursor cursor) {
    long value = millis[cursor.advance()];
    upstreamRqTime.record(value);
    downstreamRqTime.record(value + 1);
  }

  @Benchmark
  public void perRequestWithNewConnections(Cursor cursor) {
    long value = millis[cursor.advance()];
    upstreamRqTime.record(value);
    downstreamRqTime.record(value + 1);
    upstreamCxConnectMs.record(value >> 4);
    upstreamCxLengthMs.record(value + 2);
    downstreamCxLengthMs.record(value + 3);
  }

  @Benchmark
  @Threads(2)
  public void perRequestTwoLoops(Cursor cursor) {
    perRequest(cursor);
  }

  @Benchmark
  @Threads(2)
  public void perRequestWithNewConnectionsTwoLoops(Cursor cursor) {
    perRequestWithNewConnections(cursor);
  }
}
