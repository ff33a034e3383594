package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.upstream.lb.LbContext;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One POST to the trace collector through its cluster, as Envoy's async clients send side-channel
 * requests: a host from the cluster's load balancer, a stream from the cluster's pool on one event
 * loop (so the cluster's {@code transport_socket} — TLS, mTLS, SDS-rotated certificates — and its
 * {@code upstream_rq_*}/{@code upstream_cx_*} stats apply), bounded by a deadline. Everything after
 * {@link #post} runs on that event loop; it never blocks. It must never fall back to another
 * transport than the cluster's.
 */
final class CollectorExchange {
  /** A collector answer larger than this is not an OTLP response; the export fails instead. */
  static final int MAX_RESPONSE_BYTES = 1 << 20;

  /** What the collector answered: status, headers, the whole body, and trailers (gRPC status). */
  record Response(int status, HttpHeaders headers, byte[] body, HttpHeaders trailers) {
    /** A header from the trailers, else from the headers (gRPC's trailers-only answers). */
    String trailerOrHeader(CharSequence name) {
      String value = trailers.get(name);
      return value != null ? value : headers.get(name);
    }
  }

  /** The exchange could not produce a response (no cluster, no host, connect failure, reset...). */
  static final class ExchangeFailed extends IOException {
    ExchangeFailed(String message) {
      super(message);
    }
  }

  private final ClusterHandle cluster;
  private final EventLoop loop;
  private final CompletableFuture<Response> result = new CompletableFuture<>();
  private SelectedHost host;
  private UpstreamLease lease;
  private ScheduledFuture<?> deadline;
  private boolean finished;

  private CollectorExchange(ClusterHandle cluster, EventLoop loop) {
    this.cluster = cluster;
    this.loop = loop;
  }

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
    CompletableFuture<Response> failed = new CompletableFuture<>();
    ClusterHandle cluster = clusters.apply(clusterName);
    if (cluster == null) {
      failed.completeExceptionally(new ExchangeFailed("unknown collector cluster " + clusterName));
      return failed;
    }
    CollectorExchange exchange = new CollectorExchange(cluster, loop);
    loop.execute(() -> exchange.start(http2, authority, path, headers, body, timeout));
    return exchange.result;
  }

  private void start(
      boolean http2,
      String authority,
      String path,
      HttpHeaders headers,
      byte[] body,
      Duration timeout) {
    host = cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      cluster.noHealthyUpstream();
      finished = true;
      result.completeExceptionally(
          new ExchangeFailed("no healthy host in collector cluster " + cluster.name()));
      return;
    }
    cluster.requestStarted(host);
    deadline =
        loop.schedule(
            () -> fail(UpstreamOutcome.TIMEOUT, "no answer within " + timeout),
            timeout.toNanos(),
            TimeUnit.NANOSECONDS);
    Future<UpstreamLease> acquired = cluster.pool(loop, host, http2).acquire();
    if (acquired.isDone()) {
      onLease(acquired, authority, path, headers, body);
    } else {
      acquired.addListener(f -> onLease(acquired, authority, path, headers, body));
    }
  }

  private void onLease(
      Future<UpstreamLease> acquired,
      String authority,
      String path,
      HttpHeaders headers,
      byte[] body) {
    if (!acquired.isSuccess()) {
      fail(
          UpstreamOutcome.CONNECT_FAILURE,
          "cannot reach " + host.describe() + ": " + acquired.cause());
      return;
    }
    if (finished) {
      acquired.getNow().release(true);
      return;
    }
    lease = acquired.getNow();
    lease.attach(new ResponseReader());
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.POST, path, Unpooled.wrappedBuffer(body));
    request.headers().set(HttpHeaderNames.HOST, authority);
    request.headers().add(headers);
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.length);
    lease.channel().writeAndFlush(request);
    lease.channel().read();
  }

  private void fail(UpstreamOutcome outcome, String why) {
    if (finish(outcome, false)) {
      result.completeExceptionally(new ExchangeFailed(why));
    }
  }

  /** Ends the exchange once: stats, deadline, lease. Returns false when it had already ended. */
  private boolean finish(UpstreamOutcome outcome, boolean reusable) {
    if (finished) {
      return false;
    }
    finished = true;
    if (deadline != null) {
      deadline.cancel(false);
    }
    cluster.requestEnded(host, outcome);
    if (lease != null) {
      UpstreamLease l = lease;
      lease = null;
      l.release(reusable);
    }
    return true;
  }

  private final class ResponseReader extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private HttpResponse response;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (finished) {
          return;
        }
        if (msg instanceof HttpResponse r) {
          if (r.status().code() < 200) {
            return; // 1xx: the real answer follows
          }
          response = r;
          cluster.responseReceived(host, r.status().code());
        }
        if (msg instanceof HttpContent content) {
          int readable = content.content().readableBytes();
          if (body.size() + readable > MAX_RESPONSE_BYTES) {
            fail(UpstreamOutcome.LOCAL_RESET, "collector response larger than 1 MiB");
            return;
          }
          content.content().getBytes(content.content().readerIndex(), body, readable);
          if (msg instanceof LastHttpContent last && response != null) {
            int status = response.status().code();
            cluster.chargeResponse(status, false);
            if (finish(UpstreamOutcome.COMPLETED, true)) {
              result.complete(
                  new Response(
                      status,
                      response.headers(),
                      body.toByteArray(),
                      last.trailingHeaders().isEmpty()
                          ? new DefaultHttpHeaders()
                          : last.trailingHeaders().copy()));
            }
          }
        }
      } catch (IOException impossible) {
        fail(UpstreamOutcome.LOCAL_RESET, impossible.toString());
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!finished) {
        ctx.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      fail(UpstreamOutcome.UPSTREAM_RESET, "the collector closed the stream");
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fail(UpstreamOutcome.UPSTREAM_RESET, "the collector stream failed: " + cause);
    }
  }
}
