package io.attache.bench.micro;

import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.retry.ClusterRetryContext;
import io.attache.dataplane.retry.RetryPolicyConfig;
import io.attache.dataplane.retry.RetryState;
import io.attache.dataplane.retry.RetryStats;
import io.attache.dataplane.retry.RetryStatus;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The router's retry decision for one response, as every forwarded request pays it: build the
 * request's retry state from the route's policy ({@code retry_on: 5xx,reset,...}, 3 retries) and
 * the request's {@code x-envoy-*} headers, decide on the response status, take a jittered back-off
 * when it says retry, finish. {@code none} is a route without a retry policy (the shared
 * not-retriable state). Benchmark code only; never on the proxy's class path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RetryDecisionBenchmark {
  /** The route's policy: none, or Envoy's common {@code 5xx,reset,connect-failure}. */
  @Param({"none", "5xx"})
  public String policy;

  /** The upstream's answer: 200 (no retry) or 503 (retry, with back-off). */
  @Param({"200", "503"})
  public int status;

  private RetryPolicyConfig config;
  private ClusterRetryContext cluster;
  private HttpRequest request;
  private final HttpHeaders responseHeaders = new DefaultHttpHeaders();

  @Setup
  public void build() throws Exception {
    config =
        policy.equals("none")
            ? RetryPolicyConfig.NONE
            : RetryPolicyConfig.from(
                RetryPolicy.newBuilder()
                    .setRetryOn("5xx,reset,connect-failure")
                    .setNumRetries(com.google.protobuf.UInt32Value.of(3))
                    .build(),
                "retry_policy");
    StatsStore stats = new StatsStore();
    cluster =
        new ClusterRetryContext(
            ResourceManager.create(
                "bench", RoutingPriority.DEFAULT, CircuitBreakerSettings.DEFAULTS, stats),
            new RetryStats(stats, "bench"),
            RandomSource.SYSTEM,
            Clock.systemUTC());
    request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/items/1");
    request.headers().set("host", "backend.example").set("user-agent", "bench");
  }

  @Benchmark
  public long decide() {
    RetryState state = RetryState.create(config, request, "http", cluster);
    RetryStatus decision = state.shouldRetryHeaders(status, responseHeaders);
    long backOff = decision == RetryStatus.YES ? state.nextBackOff().toNanos() : 0;
    state.finish();
    return backOff + decision.ordinal();
  }
}
