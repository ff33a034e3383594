package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.jwt.JwtProviderConfig.Remote;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.upstream.lb.LbContext;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.io.ByteArrayOutputStream;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Fetches one provider's {@code remote_jwks}: a GET of its {@code http_uri} through its cluster
 * (the cluster's hosts, pools, TLS and {@code upstream_rq_*} stats), bounded by {@code
 * http_uri.timeout}. Anything but a 200 carrying a valid JWKS is a failure. Runs on the stream's
 * event loop; never blocks. One fetch per instance; {@link #cancel} abandons it.
 */
final class JwksFetcher {
  /** A body larger than this is not a JWKS anyone serves; the fetch fails instead of buffering. */
  static final int MAX_BODY_BYTES = 1 << 20;

  private final Remote remote;
  private final Function<String, ClusterHandle> clusters;
  private final EventLoop loop;
  private final Scheduler scheduler;
  private Consumer<Jwks> onDone;
  private ClusterHandle cluster;
  private SelectedHost host;
  private UpstreamLease lease;
  private ScheduledTask timeout = ScheduledTask.NONE;
  private boolean finished;

  JwksFetcher(
      Remote remote,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      Scheduler scheduler) {
    this.remote = remote;
    this.clusters = clusters;
    this.loop = loop;
    this.scheduler = scheduler;
  }

  /** Starts the fetch; {@code onDone} gets the keys, or null on any failure, exactly once. */
  void fetch(Consumer<Jwks> onDone) {
    this.onDone = onDone;
    cluster = clusters.apply(remote.cluster());
    if (cluster == null) {
      finish(null, null);
      return;
    }
    host = cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      finish(null, null);
      return;
    }
    timeout = scheduler.schedule(remote.timeout(), () -> finish(null, UpstreamOutcome.TIMEOUT));
    cluster.requestStarted(host);
    Future<UpstreamLease> acquired = cluster.pool(loop, host, false).acquire();
    if (acquired.isDone()) {
      onLease(acquired);
    } else {
      acquired.addListener(f -> onLease(acquired));
    }
  }

  /** Abandons the fetch (the stream ended); the callback is not called. */
  void cancel() {
    if (!finished) {
      onDone = jwks -> {};
      finish(null, UpstreamOutcome.CANCELLED);
    }
  }

  private void onLease(Future<UpstreamLease> acquired) {
    if (!acquired.isSuccess()) {
      finish(null, UpstreamOutcome.CONNECT_FAILURE);
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
            HttpVersion.HTTP_1_1, HttpMethod.GET, remote.pathAndQuery(), Unpooled.EMPTY_BUFFER);
    request.headers().set(HttpHeaderNames.HOST, remote.authority());
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    lease.channel().writeAndFlush(request);
    lease.channel().read();
  }

  private void finish(Jwks jwks, UpstreamOutcome outcome) {
    if (finished) {
      return;
    }
    finished = true;
    timeout.cancel();
    if (outcome != null) {
      cluster.requestEnded(host, outcome);
    }
    if (lease != null) {
      UpstreamLease l = lease;
      lease = null;
      l.release(outcome == UpstreamOutcome.COMPLETED);
    }
    onDone.accept(jwks);
  }

  private final class ResponseReader extends ChannelInboundHandlerAdapter {
    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int status;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (finished) {
          return;
        }
        if (msg instanceof HttpResponse response) {
          status = response.status().code();
          cluster.responseReceived(host, status);
        }
        if (msg instanceof HttpContent content) {
          if (body.size() + content.content().readableBytes() > MAX_BODY_BYTES) {
            finish(null, UpstreamOutcome.LOCAL_RESET);
            return;
          }
          content
              .content()
              .getBytes(content.content().readerIndex(), body, content.content().readableBytes());
          if (msg instanceof LastHttpContent) {
            Jwks.Parsed parsed =
                status == 200
                    ? Jwks.parse(body.toString(java.nio.charset.StandardCharsets.UTF_8))
                    : new Jwks.Parsed(null, JwtStatus.JWKS_FETCH_FAIL);
            finish(parsed.jwks(), UpstreamOutcome.COMPLETED);
          }
        }
      } catch (java.io.IOException impossible) {
        finish(null, UpstreamOutcome.LOCAL_RESET);
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
      finish(null, UpstreamOutcome.UPSTREAM_RESET);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      finish(null, UpstreamOutcome.UPSTREAM_RESET);
    }
  }
}
