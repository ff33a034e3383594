package io.attache.dataplane.filter.router;

import io.attache.dataplane.filter.StreamInfo;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/**
 * What an {@link UpstreamRequest} reports to the router that owns it, and the little it may ask
 * (Envoy's {@code RouterFilterInterface}). The upstream request has already ended itself (slots,
 * timers, lease) when it reports a failure; the router decides what follows: a retry, a local reply
 * or a reset. All calls on the stream's event loop.
 */
interface RouterFilterInterface {
  /** Whether {@code request} is the router's current attempt and the stream still runs. */
  boolean isCurrent(UpstreamRequest request);

  /** The lease is here: write the request (and whatever body arrived) to {@code channel}. */
  void onUpstreamReady(UpstreamRequest request, Channel channel);

  /** The connection could not be made (refused, or {@code connect_timeout} passed). */
  void onUpstreamConnectFailure(boolean timedOut);

  /**
   * Response headers arrived; false when the router turned them into a retry and the response must
   * be dropped.
   */
  boolean onUpstreamHeaders(
      UpstreamRequest request, HttpResponse response, ChannelHandlerContext ctx);

  void onUpstreamData(UpstreamRequest request, HttpContent content, boolean upstreamKeepAlive);

  /** The upstream connection closed before the response was complete. */
  void onUpstreamReset();

  void onPerTryTimeout();

  void onPerTryIdleTimeout();

  /** Any upstream read: the stream is not idle. */
  void onUpstreamActivity();

  /** Flushes response writes left unflushed at the end of an upstream read batch. */
  void flushDownstream();

  boolean responseStarted();

  boolean responseComplete();

  StreamInfo streamInfo();

  String downstreamProtocol();
}
