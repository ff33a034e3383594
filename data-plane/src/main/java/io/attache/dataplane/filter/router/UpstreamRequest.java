package io.attache.dataplane.filter.router;

import io.attache.dataplane.accesslog.ResponseFlags;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.retry.RetryPolicyConfig;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tracing.AttemptOutcome;
import io.attache.dataplane.tracing.AttemptSpan;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ConnectTimeoutException;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.time.Duration;
import java.util.Optional;

/**
 * One try of a request at one upstream host (Envoy's {@code UpstreamRequest}): holds its circuit
 * breaker slots, its lease on a pooled connection, its per-try timers and its attempt span, reads
 * the upstream response and reports everything to the router through {@link RouterFilterInterface}.
 * Retries make new ones; the router keeps at most one current. Runs on the stream's event loop.
 */
final class UpstreamRequest {
  private final RouterFilterInterface router;
  private final ClusterHandle cluster;
  private final ResourceManager breakers;
  private final RetryPolicyConfig retryPolicy;
  private final Optional<Duration> perTryTimeout;
  private final Scheduler scheduler;
  private final Ticker ticker;
  final int number;
  final SelectedHost host;
  final AttemptSpan span;
  final long startNanos;
  private UpstreamLease lease;
  private boolean pendingSlot;
  private boolean requestSlot = true;
  private boolean ended;
  int sentChunks;
  private Scheduler.ScheduledTask perTryTimer;
  private Scheduler.ScheduledTask perTryIdleTimer;
  private long lastUpstreamActivity;

  /** After the upstream's 101: the connection carries the upgraded protocol's raw bytes. */
  private boolean tunnelled;

  UpstreamRequest(
      RouterFilterInterface router,
      ClusterHandle cluster,
      ResourceManager breakers,
      RetryPolicyConfig retryPolicy,
      Optional<Duration> perTryTimeout,
      Scheduler scheduler,
      Ticker ticker,
      int number,
      SelectedHost host,
      AttemptSpan span) {
    this.router = router;
    this.cluster = cluster;
    this.breakers = breakers;
    this.retryPolicy = retryPolicy;
    this.perTryTimeout = perTryTimeout;
    this.scheduler = scheduler;
    this.ticker = ticker;
    this.number = number;
    this.host = host;
    this.span = span;
    this.startNanos = ticker.nanoTime();
  }

  /** The lease arrives later: this attempt holds a {@code max_pending_requests} slot meanwhile. */
  void holdPendingSlot() {
    pendingSlot = true;
  }

  boolean hasLease() {
    return lease != null;
  }

  UpstreamLease lease() {
    return lease;
  }

  boolean ended() {
    return ended;
  }

  void onLease(Future<UpstreamLease> acquired) {
    releasePending();
    if (!acquired.isSuccess()) {
      if (router.isCurrent(this)) {
        end(UpstreamOutcome.CONNECT_FAILURE, false);
        router.onUpstreamConnectFailure(acquired.cause() instanceof ConnectTimeoutException);
      }
      return;
    }
    UpstreamLease l = acquired.getNow();
    if (!router.isCurrent(this)) {
      l.release(true);
      return;
    }
    lease = l;
    l.attach(new ResponseReader());
    router.onUpstreamReady(this, l.channel());
    l.channel().read();
    touch();
  }

  /** Upstream activity for {@code per_try_idle_timeout}; arms its one timer on first use. */
  void touch() {
    lastUpstreamActivity = ticker.nanoTime();
    Optional<Duration> idle = retryPolicy.perTryIdleTimeout();
    if (idle.isPresent() && perTryIdleTimer == null && !ended) {
      perTryIdleTimer = scheduler.schedule(idle.get(), this::onPerTryIdleCheck);
    }
  }

  private void onPerTryIdleCheck() {
    if (!router.isCurrent(this) || ended) {
      return;
    }
    long timeout = retryPolicy.perTryIdleTimeout().orElseThrow().toNanos();
    long left = timeout - (ticker.nanoTime() - lastUpstreamActivity);
    if (left > 0) {
      perTryIdleTimer = scheduler.schedule(Duration.ofNanos(left), this::onPerTryIdleCheck);
      return;
    }
    end(UpstreamOutcome.PER_TRY_IDLE_TIMEOUT, false);
    router.onPerTryIdleTimeout();
  }

  /**
   * Starts the per-try timeout ({@code per_try_timeout}, or an internal request's {@code
   * x-envoy-upstream-rq-per-try-timeout-ms}) once the whole request went out.
   */
  void startPerTryTimer() {
    if (perTryTimeout.isEmpty() || perTryTimer != null || ended) {
      return;
    }
    perTryTimer = scheduler.schedule(perTryTimeout.get(), this::onPerTryTimeout);
  }

  private void onPerTryTimeout() {
    if (!router.isCurrent(this) || router.responseStarted()) {
      return;
    }
    end(UpstreamOutcome.PER_TRY_TIMEOUT, false);
    router.onPerTryTimeout();
  }

  private void releasePending() {
    if (pendingSlot) {
      pendingSlot = false;
      breakers.pendingRequests().release();
    }
  }

  /**
   * A raw TCP connection the router terminates a CONNECT on is up: the tunnel is established, and
   * the router gets the 200 Envoy's {@code TcpUpstream} answers with.
   */
  void answerForTcp() {
    tunnelled = true;
    router.onUpstreamHeaders(
        this, new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK), reader);
    // No upstream read ends here to flush it: the client waits for the 200 before it sends.
    router.flushDownstream();
  }

  /** The upstream switched protocols: its connection is a byte tunnel from now on. */
  void startTunnel() {
    tunnelled = true;
    lease.upgradeToRawBytes();
  }

  boolean tunnelled() {
    return tunnelled;
  }

  /** Ends this attempt once: slots, timers, stats, span and the lease. */
  void end(UpstreamOutcome outcome, boolean reusable) {
    if (ended) {
      return;
    }
    ended = true;
    if (outcome != UpstreamOutcome.COMPLETED) {
      // The reader goes now: its read-complete flush will not come. A completed attempt needs no
      // flush here: the router writes the response's end next, and that write flushes, so a
      // response read in one batch still leaves in one send (flushing here split it in two).
      router.flushDownstream();
    }
    if (perTryTimer != null) {
      perTryTimer.cancel();
    }
    if (perTryIdleTimer != null) {
      perTryIdleTimer.cancel();
    }
    releasePending();
    if (requestSlot) {
      requestSlot = false;
      breakers.requests().release();
    }
    cluster.requestEnded(host, outcome);
    StreamInfo info = router.streamInfo();
    span.finish(
        new AttemptOutcome(
            router.downstreamProtocol(),
            Optional.of(host.address()),
            info.responseCode(),
            ResponseFlags.of(info.flags()).toShortString()));
    if (lease != null) {
      UpstreamLease l = lease;
      lease = null;
      if (tunnelled) {
        // What the downstream sent last is on its way: close the tunnel's upstream side after it.
        l.channel().writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(f -> l.release(false));
      } else {
        l.release(reusable); // events after this find the attempt ended and are ignored
      }
    }
  }

  /** The response reader's context, once attached: where the router asks for the next read. */
  private ChannelHandlerContext reader;

  /** Receives this attempt's response on the upstream channel (same event loop). */
  private final class ResponseReader extends ChannelInboundHandlerAdapter {
    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
      reader = ctx;
    }

    /** Whether the last socket read produced a message; if not, the codec needs more bytes. */
    private boolean delivered;

    private boolean upstreamKeepAlive = true;

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      router.flushDownstream();
      if (!delivered && !router.responseComplete() && router.isCurrent(UpstreamRequest.this)) {
        ctx.read();
      }
      delivered = false;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      if (!router.isCurrent(UpstreamRequest.this)) {
        ReferenceCountUtil.release(msg);
        return;
      }
      delivered = true;
      touch();
      router.onUpstreamActivity();
      if (tunnelled) {
        if (msg instanceof ByteBuf bytes) {
          router.onUpstreamData(UpstreamRequest.this, new DefaultHttpContent(bytes), false);
        } else {
          ReferenceCountUtil.release(msg); // the codec's empty end of the 101
        }
        return;
      }
      if (msg instanceof HttpResponse response) {
        if (response.status().code() == 100) {
          ReferenceCountUtil.release(msg);
          ctx.read();
          return;
        }
        upstreamKeepAlive = HttpUtil.isKeepAlive(response);
        if (!router.onUpstreamHeaders(UpstreamRequest.this, response, ctx)) {
          ReferenceCountUtil.release(msg);
          return; // retried: this response is dropped
        }
      }
      if (msg instanceof HttpContent content) {
        router.onUpstreamData(UpstreamRequest.this, content, upstreamKeepAlive);
      } else if (!(msg instanceof HttpResponse)) {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      if (tunnelled && router.isCurrent(UpstreamRequest.this) && !ended) {
        // The upstream closed the tunnel: the response ends, as Envoy ends the downstream stream.
        router.onUpstreamData(UpstreamRequest.this, LastHttpContent.EMPTY_LAST_CONTENT, false);
      } else if (router.isCurrent(UpstreamRequest.this) && !ended) {
        end(UpstreamOutcome.UPSTREAM_RESET, false);
        router.onUpstreamReset();
      }
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
