package io.attache.dataplane.filter.router;

import io.attache.dataplane.breaker.OverflowDecision;
import io.attache.dataplane.breaker.ResourceManager;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.SelectedHost;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.AsyncClientHeaders;
import io.attache.dataplane.pool.UpstreamLease;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.upstream.lb.LbContext;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.Future;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One shadow of a request to a mirror cluster (Envoy's shadow writer, fire and forget): a copy of
 * the request's final headers with the shadow authority, and of its body as it arrives, sent to a
 * host of the shadow cluster once the request is whole, under the route's timeout; the response is
 * read and dropped. The shadow cluster counts it like any request ({@code upstream_rq_total},
 * {@code upstream_rq_<code>}, timeouts, circuit breakers). It must never reach the main stream: no
 * answer, failure or delay of the shadow changes what the client gets. Runs on the stream's event
 * loop.
 */
final class ShadowRequest {
  private final ClusterHandle cluster;
  private final RoutingPriority priority;
  private final HttpRequest head;
  private final EventLoop loop;
  private final boolean downstreamHttp2;
  private final Scheduler scheduler;

  private final Duration timeout;
  private final long bufferLimit;
  private final List<ByteBuf> body = new ArrayList<>();
  private HttpHeaders trailers = EmptyHttpHeaders.INSTANCE;
  private long bufferedBytes;
  private boolean bodyExpected;
  private boolean dropped;
  private boolean sent;
  private boolean ended;
  private boolean responded;
  private SelectedHost host;
  private ResourceManager breakers;
  private UpstreamLease lease;
  private Scheduler.ScheduledTask timer;

  /**
   * @param head the shadow's request line and headers, already a copy the shadow owns
   * @param timeout the route's timeout; zero means none
   * @param bufferLimit the most body bytes kept while the request arrives; a larger body is not
   *     shadowed
   */
  ShadowRequest(
      ClusterHandle cluster,
      RoutingPriority priority,
      HttpRequest head,
      EventLoop loop,
      boolean downstreamHttp2,
      Scheduler scheduler,
      Duration timeout,
      long bufferLimit) {
    this.cluster = cluster;
    this.priority = priority;
    this.head = head;
    this.loop = loop;
    this.downstreamHttp2 = downstreamHttp2;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.bufferLimit = bufferLimit;
  }

  /**
   * A piece of the request body; the shadow keeps its own reference, the caller keeps its own.
   * False when this chunk took the body over the buffer limit: the shadow is abandoned.
   */
  boolean onBody(ByteBuf chunk) {
    if (dropped || sent || !chunk.isReadable()) {
      return true;
    }
    bodyExpected = true;
    bufferedBytes += chunk.readableBytes();
    if (bufferedBytes > bufferLimit) {
      drop();
      return false;
    }
    body.add(chunk.retainedDuplicate());
    return true;
  }

  /** The request's trailers, if it ends with any. */
  void onTrailers(HttpHeaders requestTrailers) {
    if (!requestTrailers.isEmpty()) {
      trailers = requestTrailers.copy();
    }
  }

  /** The main stream went away before the request was whole: nothing is shadowed. */
  void cancel() {
    if (!sent) {
      drop();
    }
  }

  private void drop() {
    dropped = true;
    body.forEach(ReferenceCountUtil::release);
    body.clear();
  }

  /** The request is whole: the shadow goes out now, whatever the main request does next. */
  void send() {
    if (dropped || sent) {
      return;
    }
    sent = true;
    host = cluster.chooseHost(LbContext.NONE);
    if (host == null) {
      cluster.noHealthyUpstream();
      drop();
      return;
    }
    breakers = cluster.breakers(priority);
    if (breakers.requests().tryAcquire() != OverflowDecision.ADMITTED) {
      drop();
      return;
    }
    cluster.requestStarted(host);
    Future<UpstreamLease> acquired = cluster.pool(loop, host, downstreamHttp2).acquire();
    if (!acquired.isDone()) {
      cluster.requestPending();
    }
    acquired.addListener(f -> onLease(acquired));
    if (!timeout.isZero()) {
      timer = scheduler.schedule(timeout, this::onTimeout);
    }
  }

  private void onLease(Future<UpstreamLease> acquired) {
    if (!acquired.isSuccess()) {
      end(UpstreamOutcome.CONNECT_FAILURE, false, 503);
      return;
    }
    UpstreamLease l = acquired.getNow();
    if (ended) {
      l.release(true);
      return;
    }
    lease = l;
    l.attach(new ResponseDropper());
    Channel up = l.channel();
    if (bodyExpected && !HttpUtil.isContentLengthSet(head)) {
      HttpUtil.setTransferEncodingChunked(head, true);
    }
    up.write(head, up.voidPromise());
    for (ByteBuf chunk : body) {
      up.write(new DefaultHttpContent(chunk), up.voidPromise());
    }
    body.clear(); // handed to the channel, which releases them
    up.writeAndFlush(
        trailers.isEmpty()
            ? LastHttpContent.EMPTY_LAST_CONTENT
            : new DefaultLastHttpContent(up.alloc().buffer(0), trailers),
        up.voidPromise());
    up.read();
  }

  private void onTimeout() {
    end(UpstreamOutcome.TIMEOUT, false, 504);
  }

  /**
   * Ends the shadow once: a shadow that got no response is charged {@code failedStatus} as Envoy's
   * router charges its own local answer.
   */
  private void end(UpstreamOutcome outcome, boolean reusable, int failedStatus) {
    if (ended) {
      return;
    }
    ended = true;
    if (timer != null) {
      timer.cancel();
    }
    if (!responded) {
      cluster.chargeResponse(failedStatus, false);
    }
    breakers.requests().release();
    cluster.requestEnded(host, outcome);
    drop();
    if (lease != null) {
      UpstreamLease l = lease;
      lease = null;
      l.release(reusable);
    }
  }

  /** Reads the shadow's response and drops it, counting its status on the shadow cluster. */
  private final class ResponseDropper extends ChannelInboundHandlerAdapter {
    private boolean keepAlive = true;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      try {
        if (ended) {
          return;
        }
        if (msg instanceof HttpResponse response && response.status().code() != 100) {
          int status = response.status().code();
          responded = true;
          keepAlive = HttpUtil.isKeepAlive(response);
          cluster.responseReceived(host, status);
          cluster.chargeResponse(status, false);
        }
        if (msg instanceof LastHttpContent && responded) {
          end(UpstreamOutcome.COMPLETED, keepAlive, 0);
        }
      } finally {
        ReferenceCountUtil.release(msg);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (!ended) {
        ctx.read();
      }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
      end(UpstreamOutcome.UPSTREAM_RESET, false, 503);
      ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }

  /**
   * The shadow's head: {@code request}'s line and a copy of its headers with {@code authority},
   * sent as Envoy's asynchronous client sends it: an internal request ({@code x-envoy-internal:
   * true}) from this server ({@code localAddress} appended to {@code x-forwarded-for}) announcing
   * its timeout in {@code x-envoy-expected-rq-timeout-ms} (none when {@code expectedTimeoutMillis}
   * is 0).
   */
  static HttpRequest head(
      HttpRequest request, String authority, InetAddress localAddress, long expectedTimeoutMillis) {
    HttpHeaders headers = request.headers().copy();
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    if (!authority.isEmpty()) {
      headers.set(HttpHeaderNames.HOST, authority);
    }
    AsyncClientHeaders.apply(headers, localAddress);
    if (expectedTimeoutMillis > 0) {
      headers.set(UpstreamHeaders.EXPECTED_TIMEOUT_HEADER, Long.toString(expectedTimeoutMillis));
    } else {
      headers.remove(UpstreamHeaders.EXPECTED_TIMEOUT_HEADER);
    }
    return new DefaultHttpRequest(HttpVersion.HTTP_1_1, request.method(), request.uri(), headers);
  }
}
