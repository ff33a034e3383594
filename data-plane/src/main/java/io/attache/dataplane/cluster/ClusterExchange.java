package io.attache.dataplane.cluster;

import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.upstream.lb.LbContext;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * One request/response exchange with a service through its cluster, as Envoy's async client sends
 * side-channel requests (authorization checks, JWKS fetches): the cluster picks the host, lends a
 * pooled connection (HTTP/2 for a gRPC service), applies its transport socket and counts the
 * exchange in its {@code upstream_rq_*} stats. The response is collected whole, bounded by {@link
 * #MAX_RESPONSE_BYTES}. Runs on the caller's event loop and never blocks; it owns no timer (the
 * caller bounds the call on its own scheduler and {@link #cancel}s it).
 */
public final class ClusterExchange {
  /** An answer larger than this is a failure instead of being buffered. */
  public static final int MAX_RESPONSE_BYTES = 1 << 20;

  /** The exchange's outcome: {@code status} 0 means no response arrived (no host, reset, ...). */
  public record Response(int status, HttpHeaders headers, byte[] body, HttpHeaders trailers) {
    public static final Response NONE =
        new Response(0, new DefaultHttpHeaders(), new byte[0], new DefaultHttpHeaders());

    public boolean received() {
      return status != 0;
    }

    /** A header from the trailers, else from the headers (gRPC's trailers-only answers). */
    public String trailerOrHeader(CharSequence name) {
      String value = trailers.get(name);
      return value != null ? value : headers.get(name);
    }
  }

  private final Function<String, ClusterHandle> clusters;
  private final String clusterName;
  private final EventLoop loop;
  private final boolean http2;
  private Consumer<Response> onDone;
  private ClusterHandle cluster;
  private SelectedHost host;
  private UpstreamLease lease;
  private boolean finished;

  public ClusterExchange(
      Function<String, ClusterHandle> clusters, String clusterName, EventLoop loop) {
    this(clusters, clusterName, loop, false);
  }

  /**
   * @param http2 whether the exchange needs HTTP/2 (gRPC) on clusters that follow the downstream
   *     protocol ({@code USE_DOWNSTREAM_PROTOCOL}); other clusters use their own protocol
   */
  public ClusterExchange(
      Function<String, ClusterHandle> clusters, String clusterName, EventLoop loop, boolean http2) {
    this.clusters = clusters;
    this.clusterName = clusterName;
    this.loop = loop;
    this.http2 = http2;
  }

  /**
   * Sends {@code request} (released here); {@code onDone} gets the response, or {@link
   * Response#NONE} on any failure, exactly once unless {@link #cancel}led first.
   */
  public void send(FullHttpRequest request, Consumer<Response> onDone) {
    this.onDone = onDone;
    cluster = clusters.apply(clusterName);
    if (cluster == null) {
      request.release();
      finish(Response.NONE, null);
      return;
    }
    host = cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      cluster.noHealthyUpstream();
      request.release();
      finish(Response.NONE, null);
      return;
    }
    cluster.requestStarted(host);
    Future<UpstreamLease> acquired = cluster.pool(loop, host, http2).acquire();
    if (acquired.isDone()) {
      onLease(acquired, request);
    } else {
      acquired.addListener(f -> onLease(acquired, request));
    }
  }

  /** Abandons the exchange (timeout, or the caller ended); the callback is not called. */
  public void cancel(UpstreamOutcome outcome) {
    if (!finished) {
      onDone = r -> {};
      finish(Response.NONE, outcome);
    }
  }

  private void onLease(Future<UpstreamLease> acquired, FullHttpRequest request) {
    if (finished) {
      request.release();
      if (acquired.isSuccess()) {
        acquired.getNow().release(true);
      }
      return;
    }
    if (!acquired.isSuccess()) {
      request.release();
      finish(Response.NONE, UpstreamOutcome.CONNECT_FAILURE);
      return;
    }
    lease = acquired.getNow();
    lease.attach(new ResponseReader());
    lease.channel().writeAndFlush(request);
    lease.channel().read();
  }

  private void finish(Response response, UpstreamOutcome outcome) {
    if (finished) {
      return;
    }
    finished = true;
    if (outcome != null) {
      cluster.requestEnded(host, outcome);
    }
    if (lease != null) {
      UpstreamLease l = lease;
      lease = null;
      l.release(outcome == UpstreamOutcome.COMPLETED);
    }
    onDone.accept(response);
  }

  private final class ResponseReader extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private HttpResponse head;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (finished) {
          return;
        }
        if (msg instanceof HttpResponse response) {
          if (response.status().code() < 200) {
            return; // 1xx: the real answer follows
          }
          head = response;
          cluster.responseReceived(host, response.status().code());
          cluster.chargeResponse(response.status().code(), false);
        }
        if (msg instanceof HttpContent content && head != null) {
          int size = content.content().readableBytes();
          if (body.size() + size > MAX_RESPONSE_BYTES) {
            finish(Response.NONE, UpstreamOutcome.LOCAL_RESET);
            return;
          }
          content.content().getBytes(content.content().readerIndex(), body, size);
          if (msg instanceof LastHttpContent last) {
            finish(
                new Response(
                    head.status().code(),
                    head.headers(),
                    body.toByteArray(),
                    last.trailingHeaders()),
                UpstreamOutcome.COMPLETED);
          }
        }
      } catch (java.io.IOException impossible) {
        finish(Response.NONE, UpstreamOutcome.LOCAL_RESET);
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
      finish(Response.NONE, UpstreamOutcome.UPSTREAM_RESET);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(Response.NONE, UpstreamOutcome.UPSTREAM_RESET);
    }
  }
}
