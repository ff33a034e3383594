package io.attache.bench.micro;

import io.attache.dataplane.proxy.RequestIds;
import io.attache.dataplane.time.RandomSource;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/**
 * {@code x-request-id} generation ({@link RequestIds#uuid4}, ThreadLocalRandom-backed) against the
 * JDK's {@code UUID.randomUUID().toString()}, which draws from SecureRandom. Benchmark code only.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RequestIdBenchmark {
  @Benchmark
  public String attacheUuid4() {
    return RequestIds.uuid4(RandomSource.SYSTEM);
  }

  @Benchmark
  public String jdkRandomUuid() {
    return UUID.randomUUID().toString();
  }
}
