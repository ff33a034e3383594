package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterExchange.Response;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One POST to the trace collector through its cluster: a {@link ClusterExchange} (the cluster's
 * load balancer, pools, {@code transport_socket} — TLS, mTLS, SDS-rotated certificates — and its
 * {@code upstream_rq_*}/{@code upstream_cx_*} stats), started from any thread and bounded by a
 * deadline, its answer as a future. It must never fall back to another transport than the
 * cluster's.
 */
final class CollectorExchange {

  /** The exchange could not produce a response (no cluster, no host, connect failure, reset...). */
  static final class ExchangeFailed extends IOException {
    ExchangeFailed(String message) {
      super(message);
    }
  }

  private CollectorExchange() {}

  /**
   * POSTs {@code body} to {@code path} on a host of {@code clusterName}; safe from any thread. The
   * future fails with {@link ExchangeFailed} when no response arrives within {@code timeout}.
   *
   * @param http2 whether the exchange needs HTTP/2 (gRPC) on clusters that follow the downstream
   *     protocol ({@code USE_DOWNSTREAM_PROTOCOL}); other clusters use their own protocol
   */
  static CompletableFuture<Response> post(
      Function<String, ClusterHandle> clusters,
      String clusterName,
      EventLoop loop,
      boolean http2,
      String authority,
      String path,
      HttpHeaders headers,
      byte[] body,
      Duration timeout) {
    CompletableFuture<Response> result = new CompletableFuture<>();
    if (clusters.apply(clusterName) == null) {
      result.completeExceptionally(new ExchangeFailed("unknown collector cluster " + clusterName));
      return result;
    }
    if (loop.isShuttingDown()) {
      // The proxy is stopping: a last flush at close finds its event loops gone.
      result.completeExceptionally(new ExchangeFailed("the proxy is shutting down"));
      return result;
    }
    loop.execute(
        () -> {
          ClusterExchange exchange = new ClusterExchange(clusters, clusterName, loop, http2);
          ScheduledFuture<?> deadline =
              loop.schedule(
                  () -> {
                    exchange.cancel(UpstreamOutcome.TIMEOUT);
                    result.completeExceptionally(new ExchangeFailed("no answer within " + timeout));
                  },
                  timeout.toNanos(),
                  TimeUnit.NANOSECONDS);
          DefaultFullHttpRequest request =
              new DefaultFullHttpRequest(
                  HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
          request.headers().set(HttpHeaderNames.HOST, authority);
          request.headers().add(headers);
          request.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
          exchange.send(
              request,
              response -> {
                deadline.cancel(false);
                if (response.received()) {
                  result.complete(response);
                } else {
                  result.completeExceptionally(
                      new ExchangeFailed(
                          "no answer from collector cluster "
                              + clusterName
                              + " (no healthy host, connect failure, reset or an answer over"
                              + " 1 MiB)"));
                }
              });
        });
    return result;
  }
}
