package io.attache.dataplane.http;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpStatusClass;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The HTTP side of the front door, right after Netty's codec. It hands the stream handler one
 * request at a time (pipelined requests wait until the previous response is written, as Envoy
 * serves them), answers refused requests in their turn with a {@link LocalReply}, keeps or closes
 * the connection per HTTP/1.0 and 1.1 rules, answers {@code Expect: 100-continue} itself unless
 * {@code proxy_100_continue} is set, and normalises absolute-form targets. Runs on the event loop;
 * must never block, and never lets a refused request's objects reach the next handler.
 */
public final class Http1ExchangeSequencer extends ChannelDuplexHandler {
  private final Http1Settings settings;
  private final int maxRequestsPerConnection;
  private final Http1Stats stats;
  private final PipelinedRequestWindow window;
  private final ArrayDeque<Object> held = new ArrayDeque<>();

  private boolean responsePending;
  private boolean responseStarted;
  private boolean requestBodyOpen;
  private boolean keepAlive = true;
  private boolean http10Request;
  private boolean closing;

  /** Closing because the response said so, not because a request was refused. */
  private boolean closingAfterResponse;

  private boolean readSuppressed;
  private int requestsServed;

  Http1ExchangeSequencer(
      Http1Limits limits, Http1Settings settings, Http1Stats stats, PipelinedRequestWindow window) {
    this.settings = settings;
    this.maxRequestsPerConnection = limits.maxRequestsPerConnection();
    this.stats = stats;
    this.window = window;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (closing) {
      if (closingAfterResponse && requestBodyOpen && msg instanceof HttpContent) {
        // The end of the request just answered (often the empty end of a bodiless request read
        // with its headers): the stream completes with it, as in Envoy, rather than being cut by
        // the close and logged as a downstream termination (DC).
        process(ctx, msg);
        return;
      }
      ReferenceCountUtil.release(msg);
      return;
    }
    if (!held.isEmpty() || (responsePending && waitsForTurn(msg))) {
      held.add(msg);
      return;
    }
    process(ctx, msg);
  }

  @Override
  public void read(ChannelHandlerContext ctx) {
    // Requests waiting their turn are the backpressure: read no more until they are served.
    if (!held.isEmpty()) {
      readSuppressed = true;
      return;
    }
    ctx.read();
  }

  @Override
  public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
    if (msg instanceof HttpResponse response && !isInterim(response.status())) {
      responseStarted = true;
      applyConnectionHeaders(response);
    }
    if (msg instanceof LastHttpContent && responseStarted) {
      responseStarted = false;
      responsePending = false;
      window.responseComplete();
      if (!keepAlive) {
        closing = true;
        closingAfterResponse = true;
        releaseHeld();
        ctx.write(msg, promise.unvoid()).addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ctx.write(msg, promise);
      if (!held.isEmpty() || readSuppressed) {
        // Pipelined requests wait their turn: serve them after this write, not inside it.
        ctx.executor().execute(() -> drain(ctx));
      }
      return;
    }
    ctx.write(msg, promise);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    closing = true;
    releaseHeld();
    ctx.fireChannelInactive();
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    releaseHeld();
  }

  /**
   * A new request, or the refusal of one, waits until the current response is written. A refusal
   * inside the body of the current request cannot wait: that request is already broken.
   */
  private boolean waitsForTurn(Object msg) {
    return msg instanceof HttpRequest || (msg instanceof Http1Rejection && !requestBodyOpen);
  }

  private static boolean isInterim(HttpResponseStatus status) {
    return status.codeClass() == HttpStatusClass.INFORMATIONAL
        && status.code() != HttpResponseStatus.SWITCHING_PROTOCOLS.code();
  }

  private void drain(ChannelHandlerContext ctx) {
    while (!held.isEmpty() && !closing) {
      if (responsePending && waitsForTurn(held.peek())) {
        return;
      }
      process(ctx, held.poll());
    }
    if (held.isEmpty() && readSuppressed && !closing) {
      readSuppressed = false;
      ctx.read();
    }
  }

  private void process(ChannelHandlerContext ctx, Object msg) {
    if (msg instanceof Http1Rejection rejection) {
      refuse(ctx, rejection.reason());
      return;
    }
    if (msg instanceof HttpObject object && object.decoderResult().isFailure()) {
      ReferenceCountUtil.release(msg);
      refuse(ctx, classify(object.decoderResult()));
      return;
    }
    if (msg instanceof HttpRequest request) {
      beginExchange(ctx, request);
    }
    if (msg instanceof LastHttpContent last) {
      requestBodyOpen = false;
      if (!settings.enableTrailers() && !last.trailingHeaders().isEmpty()) {
        last.trailingHeaders().clear();
      }
    }
    ctx.fireChannelRead(msg);
  }

  private void refuse(ChannelHandlerContext ctx, RejectReason reason) {
    closing = true;
    releaseHeld();
    if (requestBodyOpen) {
      // The stream handler already has this request: tell it to abandon it. A reply is only
      // possible while its response has not begun.
      ctx.fireUserEventTriggered(new Http1RequestAborted(reason));
      if (responseStarted) {
        stats.recordUnansweredProtocolError(reason);
        ctx.close();
        return;
      }
    }
    LocalReply.sendAndClose(ctx, reason, stats);
  }

  private static RejectReason classify(DecoderResult result) {
    Throwable cause = result.cause();
    if (cause instanceof TooLongHttpLineException) {
      return RejectReason.REQUEST_LINE_TOO_LONG;
    }
    if (cause instanceof TooLongHttpHeaderException) {
      return RejectReason.HEADERS_TOO_LARGE;
    }
    return RejectReason.MALFORMED_MESSAGE;
  }

  private void beginExchange(ChannelHandlerContext ctx, HttpRequest request) {
    responsePending = true;
    responseStarted = false;
    requestBodyOpen = !(request instanceof LastHttpContent);
    HttpVersion version = request.protocolVersion();
    http10Request = version.minorVersion() == 0;
    if (version.majorVersion() == 1 && version.minorVersion() > 1) {
      // RFC 9110 §2.5: a higher minor version is served as the highest we implement.
      request.setProtocolVersion(HttpVersion.HTTP_1_1);
    }
    requestsServed++;
    keepAlive =
        HttpUtil.isKeepAlive(request)
            && (maxRequestsPerConnection == 0 || requestsServed < maxRequestsPerConnection);
    HttpHeaders headers = request.headers();
    normalizeTarget(request);
    if (http10Request
        && !headers.contains(HttpHeaderNames.HOST)
        && !settings.defaultHostForHttp10().isEmpty()) {
      headers.set(HttpHeaderNames.HOST, settings.defaultHostForHttp10());
    }
    if (HttpUtil.isTransferEncodingChunked(request)) {
      // Only reachable with allow_chunked_length: Envoy then drops Content-Length.
      headers.remove(HttpHeaderNames.CONTENT_LENGTH);
    }
    if (settings.headersWithUnderscoresAction() == HeadersWithUnderscoresAction.DROP_HEADER) {
      dropUnderscoreHeaders(headers);
    }
    if (!settings.proxy100Continue() && !http10Request && expectsContinue(headers)) {
      headers.remove(HttpHeaderNames.EXPECT);
      stats.recordStatus(HttpResponseStatus.CONTINUE);
      ctx.writeAndFlush(
          new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    }
  }

  private static boolean expectsContinue(HttpHeaders headers) {
    String expect = headers.get(HttpHeaderNames.EXPECT);
    return expect != null && HttpHeaderValues.CONTINUE.contentEqualsIgnoreCase(expect.trim());
  }

  /** Absolute-form (RFC 9112 §3.2.2): the target's authority replaces Host; the path remains. */
  private static void normalizeTarget(HttpRequest request) {
    String uri = request.uri();
    if (uri.startsWith("/") || uri.equals("*") || request.method().equals(HttpMethod.CONNECT)) {
      return;
    }
    int schemeEnd = uri.indexOf("://");
    if (schemeEnd < 0) {
      return;
    }
    int authorityStart = schemeEnd + 3;
    int pathStart = uri.length();
    for (int i = authorityStart; i < uri.length(); i++) {
      char c = uri.charAt(i);
      if (c == '/' || c == '?') {
        pathStart = i;
        break;
      }
    }
    String path = uri.substring(pathStart);
    request.headers().set(HttpHeaderNames.HOST, uri.substring(authorityStart, pathStart));
    request.setUri(path.isEmpty() || path.charAt(0) == '?' ? "/" + path : path);
  }

  private void dropUnderscoreHeaders(HttpHeaders headers) {
    List<String> doomed = new ArrayList<>();
    for (Map.Entry<String, String> header : headers) {
      if (HeaderValidation.hasUnderscore(header.getKey())) {
        doomed.add(header.getKey());
      }
    }
    for (String name : doomed) {
      if (headers.contains(name)) {
        stats.droppedHeadersWithUnderscores.add(headers.getAll(name).size());
        headers.remove(name);
      }
    }
  }

  private void applyConnectionHeaders(HttpResponse response) {
    HttpHeaders headers = response.headers();
    if (headers.containsValue(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE, true)) {
      keepAlive = false;
    }
    if (keepAlive && !hasSelfDefinedLength(response)) {
      // The body would end only when the connection does.
      keepAlive = false;
    }
    if (!keepAlive) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
    } else if (http10Request) {
      headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
    }
  }

  private static boolean hasSelfDefinedLength(HttpResponse response) {
    int code = response.status().code();
    return HttpUtil.isContentLengthSet(response)
        || HttpUtil.isTransferEncodingChunked(response)
        || code == 204
        || code == 304
        || code == 101;
  }

  private void releaseHeld() {
    Object msg;
    while ((msg = held.poll()) != null) {
      ReferenceCountUtil.release(msg);
    }
  }
}
