package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * OTLP/HTTP export ({@code http_service}): each batch is an {@code ExportTraceServiceRequest}
 * POSTed as {@code application/x-protobuf} to {@code http_uri}'s path through the collector
 * cluster's own pools (its TLS/mTLS transport socket, its stats) by {@link CollectorExchange}, with
 * {@code request_headers_to_add}. As the OpenTelemetry exporter specification says, 429, 502, 503
 * and 504 answers and transport failures are retried with exponential backoff and jitter, honouring
 * a {@code Retry-After} in seconds; every other answer but 2xx fails the export at once. Backoff
 * timers come from the injected scheduler and jitter from the injected random source. Never blocks
 * the calling thread; after {@link #close} no retry is started.
 */
public final class HttpOtlpTraceClient implements OtlpTraceClient {
  /** The answers the OTLP/HTTP specification calls retryable. */
  static final Set<Integer> RETRYABLE_STATUSES = Set.of(429, 502, 503, 504);

  /**
   * How often and how long to back off.
   *
   * @param maxAttempts attempts in all, the first one included
   */
  public record RetryPolicy(
      int maxAttempts, Duration initialBackoff, Duration maxBackoff, double multiplier) {
    /** The OpenTelemetry SDKs' defaults: 5 attempts, 1 s growing by 1.5 up to 5 s. */
    public static final RetryPolicy OTEL =
        new RetryPolicy(5, Duration.ofSeconds(1), Duration.ofSeconds(5), 1.5);

    public RetryPolicy {
      if (maxAttempts < 1 || initialBackoff.isNegative() || initialBackoff.isZero()) {
        throw new IllegalArgumentException("invalid retry policy");
      }
    }

    /** The backoff cap before retry {@code retry} (1 for the first retry), without jitter. */
    Duration ceiling(int retry) {
      double nanos = initialBackoff.toNanos() * Math.pow(multiplier, retry - 1);
      return Duration.ofNanos((long) Math.min(nanos, maxBackoff.toNanos()));
    }
  }

  private final OtlpExporterConfig config;
  private final Function<String, ClusterHandle> clusters;
  private final EventLoop loop;
  private final Scheduler scheduler;
  private final RandomSource random;
  private final RetryPolicy retryPolicy;
  private final HttpHeaders headers = new DefaultHttpHeaders();
  private volatile boolean closed;

  public HttpOtlpTraceClient(
      OtlpExporterConfig config,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      Scheduler scheduler,
      RandomSource random,
      RetryPolicy retryPolicy) {
    this.config = config;
    this.clusters = clusters;
    this.loop = loop;
    this.scheduler = scheduler;
    this.random = random;
    this.retryPolicy = retryPolicy;
    for (HeaderValue header : config.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
    headers.set("content-type", "application/x-protobuf");
  }

  @Override
  public String reportsStatStem() {
    return "http_reports";
  }

  @Override
  public CompletableFuture<OtlpTraceService.ExportResponse> export(
      OtlpTraceService.ExportRequest request) {
    byte[] body;
    try (InputStream in = OtlpTraceService.EXPORT.getRequestMarshaller().stream(request)) {
      body = in.readAllBytes();
    } catch (IOException impossible) {
      return CompletableFuture.failedFuture(impossible);
    }
    CompletableFuture<OtlpTraceService.ExportResponse> result = new CompletableFuture<>();
    attempt(body, 1, result);
    return result;
  }

  private void attempt(
      byte[] body, int attempt, CompletableFuture<OtlpTraceService.ExportResponse> result) {
    if (closed) {
      result.completeExceptionally(new IllegalStateException("exporter closed"));
      return;
    }
    CollectorExchange.post(
            clusters,
            config.clusterName(),
            loop,
            false,
            config.authority(),
            config.path(),
            headers,
            body,
            config.timeout())
        .whenComplete(
            (response, failure) -> {
              if (failure == null && response.status() / 100 == 2) {
                try {
                  result.complete(
                      response.body().length == 0
                          ? OtlpTraceService.ExportResponse.OK
                          : OtlpTraceService.EXPORT
                              .getResponseMarshaller()
                              .parse(new ByteArrayInputStream(response.body())));
                } catch (RuntimeException notAnExportResponse) {
                  result.completeExceptionally(notAnExportResponse);
                }
                return;
              }
              boolean retryable = failure != null || RETRYABLE_STATUSES.contains(response.status());
              if (!retryable || attempt >= retryPolicy.maxAttempts()) {
                result.completeExceptionally(
                    failure != null
                        ? failure
                        : new HttpExportFailed(
                            "collector answered " + response.status() + " on attempt " + attempt));
                return;
              }
              Duration delay = backoff(attempt, failure == null ? response : null);
              scheduler.schedule(delay, () -> attempt(body, attempt + 1, result));
            });
  }

  /** Retry-After (delta seconds) when the collector sent one, else full-jitter backoff. */
  private Duration backoff(int retry, ClusterExchange.Response response) {
    if (response != null) {
      String retryAfter = response.headers().get("retry-after");
      if (retryAfter != null) {
        try {
          long seconds = Long.parseLong(retryAfter.trim());
          if (seconds >= 0) {
            return Duration.ofSeconds(seconds);
          }
        } catch (NumberFormatException httpDate) {
          // an HTTP-date: fall back to our own backoff
        }
      }
    }
    long ceiling = Math.max(1, retryPolicy.ceiling(retry).toNanos());
    return Duration.ofNanos(1 + random.nextLong(ceiling));
  }

  /** The collector answered with a status that is not 2xx. */
  static final class HttpExportFailed extends RuntimeException {
    HttpExportFailed(String message) {
      super(message);
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
