package io.attache.dataplane.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The front door's behaviour for requests it lets through, and for its limits and timer. */
class Http1FrontDoorTest {

  private static final String OK = "HTTP/1.1 200 OK\r\n";

  @Test
  void nettyAloneSilentlyFoldsAnObsFoldIntoThePreviousHeader() {
    // Why the scanner exists: without it, the continuation line becomes part of X-A.
    EmbeddedChannel bare = new EmbeddedChannel(new HttpServerCodec());
    bare.writeInbound(
        Unpooled.copiedBuffer(
            "GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", StandardCharsets.ISO_8859_1));
    HttpRequest request = bare.readInbound();

    assertThat(request.decoderResult().isSuccess()).isTrue();
    assertThat(request.headers().get("X-A")).isEqualTo("b c");
    ReferenceCountUtil.release(bare.readInbound());
    bare.finishAndReleaseAll();
  }

  @Test
  void passesAValidRequestOnAndKeepsTheConnectionOpen() {
    FrontDoor door = new FrontDoor();

    door.send("POST /p?q=1 HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n\r\nhello");

    assertThat(door.output()).startsWith(OK).endsWith("POST /p?q=1 host=example.com body=hello");
    assertThat(door.channel.isOpen()).isTrue();
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error")).isZero();
  }

  @Test
  void passesAChunkedBodyWithValidExtensionsAndDropsTrailersByDefault() {
    FrontDoor door = new FrontDoor();

    door.send(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "5;name=value;q=\"x \\\"y\\\"\"\r\nhello\r\n"
            + "6 ; flag\r\n world\r\n"
            + "0\r\nX-Trailer: t\r\n\r\n");

    assertThat(door.output()).startsWith(OK).endsWith("body=hello world");
    assertThat(door.handler.lastContents.get(0).trailingHeaders().isEmpty()).isTrue();
    assertThat(door.channel.isOpen()).isTrue();
  }

  @Test
  void passesTrailersOnWhenEnableTrailersIsSet() {
    FrontDoor door =
        new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withEnableTrailers(true), true);

    door.send(
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-Trailer: t\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
    assertThat(door.handler.lastContents.get(0).trailingHeaders().get("X-Trailer")).isEqualTo("t");
  }

  @Test
  void acceptsHeaderValuesWithTabsAndObsText() {
    FrontDoor door = new FrontDoor();

    door.send("GET / HTTP/1.1\r\nHost: a\r\nX-A: a\tb \u00e9\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
    assertThat(door.handler.requests.get(0).headers().get("X-A")).isEqualTo("a\tb \u00e9");
  }

  @Test
  void ignoresOneEmptyLineBeforeTheRequestLine() {
    FrontDoor door = new FrontDoor();

    door.send("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
  }

  @Test
  void servesOptionsAsteriskAndAHigherMinorVersionAsHttp11() {
    FrontDoor door = new FrontDoor();

    door.send("OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.7\r\nHost: a\r\n\r\n");

    assertThat(door.output()).startsWith(OK).contains("OPTIONS * host=a");
    assertThat(door.handler.requests).hasSize(2);
    assertThat(door.handler.requests.get(1).protocolVersion().text()).isEqualTo("HTTP/1.1");
  }

  // ---- limits ----

  @Test
  void answers431WhenTheHeaderSectionExceedsMaxRequestHeadersKb() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withMaxRequestHeadersKb(1), Http1Settings.DEFAULTS, true);

    door.send("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(1024) + "\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.requests).isEmpty();
    assertThat(door.counter("http.ingress.downstream_rq_4xx")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error")).isEqualTo(1);
  }

  @Test
  void acceptsAHeaderSectionJustUnderTheLimit() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withMaxRequestHeadersKb(1), Http1Settings.DEFAULTS, true);
    // "Host:a" is 6 bytes, "X-Big:" 6 more: together exactly 1024 bytes of fields.
    door.send("GET / HTTP/1.1\r\nHost:a\r\nX-Big:" + "x".repeat(1024 - 12) + "\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
  }

  @Test
  void answers431WhenThereAreMoreHeadersThanMaxHeadersCount() {
    FrontDoor door =
        new FrontDoor(Http1Limits.DEFAULTS.withMaxHeadersCount(3), Http1Settings.DEFAULTS, true);

    door.send("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.requests).isEmpty();
  }

  @Test
  void acceptsExactlyMaxHeadersCountHeaders() {
    FrontDoor door =
        new FrontDoor(Http1Limits.DEFAULTS.withMaxHeadersCount(3), Http1Settings.DEFAULTS, true);

    door.send("GET / HTTP/1.1\r\nHost: a\r\nA: 1\r\nB: 2\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
  }

  @Test
  void answers431WhenTheRequestLineIsTooLongAsEnvoyCountsItTowardTheHeaders() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withMaxInitialLineLength(64), Http1Settings.DEFAULTS, true);

    door.send("GET /" + "a".repeat(64) + " HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.requests).isEmpty();
  }

  @Test
  void refusesAnEndlessRunOfEmptyLinesAsATooLongRequestLine() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withMaxInitialLineLength(64), Http1Settings.DEFAULTS, true);

    door.send("\r\n".repeat(40));

    assertThat(door.output()).startsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n");
  }

  // ---- request_headers_timeout ----

  private static FrontDoor withHeaderTimeout() {
    return new FrontDoor(
        Http1Limits.DEFAULTS.withRequestHeadersTimeout(Duration.ofSeconds(10)),
        Http1Settings.DEFAULTS,
        true);
  }

  @Test
  void answers408WhenTheHeadersTrickleInPastRequestHeadersTimeout() {
    FrontDoor door = withHeaderTimeout();
    door.channel.freezeTime();

    door.send("GET / HTTP/1.1\r\nHo");
    door.channel.advanceTimeBy(9999, TimeUnit.MILLISECONDS);
    door.channel.runScheduledPendingTasks();
    door.send("st: a\r\n");
    assertThat(door.output()).isEmpty();
    door.channel.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    door.channel.runScheduledPendingTasks();

    assertThat(door.output())
        .startsWith("HTTP/1.1 408 Request Timeout\r\n")
        .endsWith("\r\n\r\nrequest header timeout");
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.requests).isEmpty();
    assertThat(door.counter("http.ingress.downstream_rq_header_timeout")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_rq_4xx")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error")).isZero();
  }

  @Test
  void startsTheHeaderTimerOnlyAtTheFirstByteOfARequest() {
    FrontDoor door = withHeaderTimeout();
    door.channel.freezeTime();

    door.channel.advanceTimeBy(1, TimeUnit.HOURS);
    door.channel.runScheduledPendingTasks();
    assertThat(door.channel.isOpen()).isTrue();
    door.send("G");
    door.channel.advanceTimeBy(10, TimeUnit.SECONDS);
    door.channel.runScheduledPendingTasks();

    assertThat(door.output()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
  }

  @Test
  void stopsTheHeaderTimerWhenTheHeadersAreComplete() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withRequestHeadersTimeout(Duration.ofSeconds(10)),
            Http1Settings.DEFAULTS,
            false);
    door.channel.freezeTime();

    door.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhe");
    assertThat(door.channel.runScheduledPendingTasks()).as("no timer left pending").isEqualTo(-1);
    door.channel.advanceTimeBy(1, TimeUnit.HOURS);
    door.channel.runScheduledPendingTasks();

    assertThat(door.output()).isEmpty();
    assertThat(door.channel.isOpen()).isTrue();
    assertThat(door.handler.requests).hasSize(1);
  }

  @Test
  void restartsTheHeaderTimerForEachKeepAliveRequest() {
    FrontDoor door = withHeaderTimeout();
    door.channel.freezeTime();

    door.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(door.output()).startsWith(OK);
    door.send("GET /2 HTTP/1.1\r\n");
    door.channel.advanceTimeBy(10, TimeUnit.SECONDS);
    door.channel.runScheduledPendingTasks();

    assertThat(door.output()).startsWith("HTTP/1.1 408 Request Timeout\r\n");
    assertThat(door.handler.requests).hasSize(1);
  }

  // ---- keep-alive and HTTP/1.0 ----

  @Test
  void servesSeveralRequestsOnOneKeepAliveConnection() {
    FrontDoor door = new FrontDoor();

    door.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    door.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

    String out = door.output();
    assertThat(out).contains("GET /1 host=a").contains("GET /2 host=a");
    assertThat(out).doesNotContainIgnoringCase("connection: close");
    assertThat(door.channel.isOpen()).isTrue();
  }

  @Test
  void closesAfterTheResponseWhenTheClientSaysConnectionClose() {
    FrontDoor door = new FrontDoor();

    door.send("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");

    assertThat(door.output()).startsWith(OK).containsIgnoringCase("connection: close\r\n");
    assertThat(door.channel.isOpen()).isFalse();
  }

  @Test
  void closesAfterAnHttp10ResponseUnlessKeepAliveWasAsked() {
    Http1Settings http10 = Http1Settings.DEFAULTS.withAcceptHttp10(true, "");
    FrontDoor plain = new FrontDoor(Http1Limits.DEFAULTS, http10, true);
    FrontDoor keepAlive = new FrontDoor(Http1Limits.DEFAULTS, http10, true);

    plain.send("GET / HTTP/1.0\r\nHost: a\r\n\r\n");
    keepAlive.send("GET / HTTP/1.0\r\nHost: a\r\nConnection: keep-alive\r\n\r\n");

    assertThat(plain.output()).containsIgnoringCase("connection: close\r\n");
    assertThat(plain.channel.isOpen()).isFalse();
    assertThat(keepAlive.output()).containsIgnoringCase("connection: keep-alive\r\n");
    assertThat(keepAlive.channel.isOpen()).isTrue();
  }

  @Test
  void givesAnHttp10RequestWithoutHostTheDefaultHost() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAcceptHttp10(true, "fallback"), true);

    door.send("GET / HTTP/1.0\r\n\r\n");

    assertThat(door.output()).startsWith(OK).endsWith("GET / host=fallback body=");
  }

  @Test
  void refusesAnHttp10RequestWithoutHostWhenThereIsNoDefaultHost() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAcceptHttp10(true, ""), true);

    door.send("GET / HTTP/1.0\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error"))
        .as("missing Host is a local reply, not a codec error, in Envoy")
        .isZero();
  }

  @Test
  void refusesTransferEncodingOnHttp10() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAcceptHttp10(true, ""), true);

    door.send("POST / HTTP/1.0\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.handler.requests).isEmpty();
  }

  @Test
  void closesWhenTheResponseHasNoLengthOfItsOwn() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);
    door.send("GET / HTTP/1.1\r\nHost: a\r\n\r\n");

    door.channel.writeOutbound(
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    door.channel.runPendingTasks();

    assertThat(door.output()).containsIgnoringCase("connection: close\r\n");
    assertThat(door.channel.isOpen()).isFalse();
  }

  @Test
  void closesAfterMaxRequestsPerConnection() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS.withMaxRequestsPerConnection(2), Http1Settings.DEFAULTS, true);

    door.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(door.output()).doesNotContainIgnoringCase("connection: close");
    door.send("GET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(door.output())
        .containsIgnoringCase("connection: close\r\n")
        .endsWith("GET /2 host=a body=");
    assertThat(door.channel.isOpen()).isFalse();
  }

  @Test
  void readsChunkedWrittenInAnyCaseAndWithEmptyListElements() {
    FrontDoor door = new FrontDoor();

    door.send(
        "POST /1 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n2\r\nab\r\n0\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , CHUNKED\r\n\r\n2\r\ncd\r\n0\r\n\r\n");

    String out = door.output();
    assertThat(out).contains("POST /1 host=a body=ab").endsWith("POST /2 host=a body=cd");
    assertThat(door.channel.isOpen()).isTrue();
  }

  // ---- answered before the request's end ----

  @Test
  void
      theEndOfARequestAnsweredAtItsHeadersStillReachesTheStreamWhenTheResponseClosesTheConnection() {
    List<Object> reached = new ArrayList<>();
    EmbeddedChannel channel = new EmbeddedChannel();
    new Http1ServerCodecFactory(
            new Http1ServerConfig("ingress", Http1Limits.DEFAULTS, Http1Settings.DEFAULTS),
            new StatsStore())
        .install(channel.pipeline());
    channel
        .pipeline()
        .addLast(
            new ChannelInboundHandlerAdapter() {
              @Override
              public void channelRead(ChannelHandlerContext ctx, Object msg) {
                reached.add(msg instanceof LastHttpContent ? "end of request" : msg);
                if (msg instanceof HttpRequest) {
                  // A local reply at the headers, as a direct response answers.
                  ctx.writeAndFlush(
                      new DefaultFullHttpResponse(
                          HttpVersion.HTTP_1_1, HttpResponseStatus.NOT_FOUND));
                }
                ReferenceCountUtil.release(msg);
              }
            });

    channel.writeInbound(
        Unpooled.copiedBuffer(
            "GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
            StandardCharsets.ISO_8859_1));
    channel.runPendingTasks();

    assertThat(reached)
        .as("the stream completes with its request's end instead of being cut by the close (DC)")
        .hasSize(2)
        .last()
        .isEqualTo("end of request");
    assertThat(channel.isOpen()).isFalse();
    channel.finishAndReleaseAll();
  }

  // ---- pipelining ----

  @Test
  void handsPipelinedRequestsOnOneAtATimeAndAnswersThemInOrder() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);

    door.send(
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
            + "GET /3 HTTP/1.1\r\nHost: a\r\n\r\n");
    assertThat(door.handler.requests).extracting(HttpRequest::uri).containsExactly("/1");

    door.handler.respond(200);
    door.channel.runPendingTasks();
    assertThat(door.handler.requests).extracting(HttpRequest::uri).containsExactly("/1", "/2");
    door.handler.respond(201);
    door.channel.runPendingTasks();
    door.handler.respond(202);
    door.channel.runPendingTasks();

    String out = door.output();
    assertThat(out.indexOf("GET /1")).isLessThan(out.indexOf("POST /2 host=a body=abc"));
    assertThat(out.indexOf("POST /2")).isLessThan(out.indexOf("GET /3"));
    assertThat(door.channel.isOpen()).isTrue();
  }

  @Test
  void answersAValidRequestBeforeRefusingTheBrokenOnePipelinedBehindIt() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);

    door.send(
        "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
            + "POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
    assertThat(door.output()).as("the refusal waits for the first response").isEmpty();
    door.handler.respond(200);
    door.channel.runPendingTasks();

    String out = door.output();
    assertThat(out).startsWith(OK);
    assertThat(out).contains("GET /1 host=a");
    assertThat(out.substring(out.indexOf("body="))).contains("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.handler.requests).extracting(HttpRequest::uri).containsExactly("/1");
    assertThat(door.channel.isOpen()).isFalse();
  }

  @Test
  void stopsReadingWhileAPipelinedRequestWaitsItsTurn() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);
    door.channel.config().setAutoRead(false);
    ReadCounter reads = new ReadCounter();
    door.channel.pipeline().addFirst(reads);

    door.send("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");
    door.channel.read();
    assertThat(reads.count).as("read suppressed while /2 is held").isZero();

    door.handler.respond(200);
    door.channel.runPendingTasks();
    assertThat(reads.count).as("read resumed once /2 was handed on").isEqualTo(1);
  }

  /** Counts read() calls reaching the socket end of the pipeline. */
  static final class ReadCounter extends io.netty.channel.ChannelOutboundHandlerAdapter {
    int count;

    @Override
    public void read(ChannelHandlerContext ctx) {
      count++;
      ctx.read();
    }
  }

  // ---- Expect: 100-continue ----

  @Test
  void answers100ContinueItselfAndStripsExpectByDefault() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);

    door.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

    assertThat(door.output()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    assertThat(door.handler.requests.get(0).headers().contains(HttpHeaderNames.EXPECT)).isFalse();
    assertThat(door.counter("http.ingress.downstream_rq_1xx")).isEqualTo(1);
    door.send("hello");
    door.handler.respond(200);
    assertThat(door.output()).startsWith(OK).endsWith("body=hello");
  }

  @Test
  void leavesExpectForTheUpstreamWhenProxy100ContinueIsSet() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withProxy100Continue(true), false);

    door.send("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n");

    assertThat(door.output()).isEmpty();
    assertThat(door.handler.requests.get(0).headers().get(HttpHeaderNames.EXPECT))
        .isEqualTo("100-continue");
  }

  @Test
  void letsAnInterim100FromTheStreamHandlerThroughWithoutEndingTheExchange() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withProxy100Continue(true), false);
    door.send(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n"
            + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n");

    door.channel.writeOutbound(
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.CONTINUE));
    door.channel.runPendingTasks();

    assertThat(door.output()).isEqualTo("HTTP/1.1 100 Continue\r\n\r\n");
    assertThat(door.handler.requests).hasSize(1);
  }

  // ---- targets ----

  @Test
  void routesAnAbsoluteFormTargetOnItsAuthority() {
    FrontDoor door = new FrontDoor();

    door.send("GET http://Upstream.example:8080/p/q?x=1 HTTP/1.1\r\nHost: ignored\r\n\r\n");

    assertThat(door.output())
        .startsWith(OK)
        .endsWith("GET /p/q?x=1 host=Upstream.example:8080 body=");
  }

  @Test
  void givesAnAbsoluteFormTargetWithoutPathTheRootPath() {
    FrontDoor door = new FrontDoor();

    door.send("GET https://a.example?x=1 HTTP/1.1\r\nHost: a.example\r\n\r\n");

    assertThat(door.output()).endsWith("GET /?x=1 host=a.example body=");
  }

  @Test
  void refusesAbsoluteFormWhenAllowAbsoluteUrlIsFalse() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAllowAbsoluteUrl(false), true);

    door.send("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.handler.requests).isEmpty();
  }

  // ---- allow_chunked_length and underscores ----

  @Test
  void dropsContentLengthBesideChunkedWhenAllowChunkedLengthIsSet() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS, Http1Settings.DEFAULTS.withAllowChunkedLength(true), true);

    door.send(
        "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n"
            + "3\r\nabc\r\n0\r\n\r\n");

    assertThat(door.output()).startsWith(OK).endsWith("body=abc");
    assertThat(door.handler.requests.get(0).headers().contains(HttpHeaderNames.CONTENT_LENGTH))
        .isFalse();
    assertThat(door.channel.isOpen()).as("RFC 9112 §6.3: close after such a request").isFalse();
  }

  @Test
  void refusesUnderscoreHeadersWhenTheActionIsRejectRequest() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS,
            Http1Settings.DEFAULTS.withHeadersWithUnderscoresAction(
                HeadersWithUnderscoresAction.REJECT_REQUEST),
            true);

    door.send("GET / HTTP/1.1\r\nHost: a\r\nX_Forwarded: b\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.counter("http1.requests_rejected_with_underscores_in_headers")).isEqualTo(1);
  }

  @Test
  void dropsUnderscoreHeadersWhenTheActionIsDropHeader() {
    FrontDoor door =
        new FrontDoor(
            Http1Limits.DEFAULTS,
            Http1Settings.DEFAULTS.withHeadersWithUnderscoresAction(
                HeadersWithUnderscoresAction.DROP_HEADER),
            true);

    door.send("GET / HTTP/1.1\r\nHost: a\r\nX_A: 1\r\nX_A: 2\r\nX-B: 3\r\n\r\n");

    assertThat(door.output()).startsWith(OK);
    assertThat(door.handler.requests.get(0).headers().names())
        .containsExactlyInAnyOrder("Host", "X-B");
    assertThat(door.counter("http1.dropped_headers_with_underscores")).isEqualTo(2);
  }

  // ---- reply shape and stats ----

  @Test
  void writesAnEnvoyStyleLocalReply() {
    FrontDoor door = new FrontDoor();

    door.send("GET / HTTP/1.1\r\nHost : a\r\n\r\n");

    assertThat(door.output())
        .isEqualTo(
            "HTTP/1.1 400 Bad Request\r\n"
                + "content-length: 11\r\n"
                + "content-type: text/plain\r\n"
                + "connection: close\r\n"
                + "\r\n"
                + "Bad Request");
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_rq_4xx")).isEqualTo(1);
  }

  @Test
  void countsA501AsA5xx() {
    FrontDoor door = new FrontDoor();

    door.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");

    assertThat(door.counter("http.ingress.downstream_rq_5xx")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_rq_4xx")).isZero();
  }

  @Test
  void closesWithoutAReplyWhenTheBodyBreaksAfterTheResponseBegan() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);
    door.send("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n");
    door.channel.writeOutbound(
        new io.netty.handler.codec.http.DefaultHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.OK));
    String head = door.output();

    door.send("zz\r\n");

    assertThat(head).startsWith(OK);
    assertThat(door.output()).isEmpty();
    assertThat(door.channel.isOpen()).isFalse();
    assertThat(door.handler.events).singleElement().isInstanceOf(Http1RequestAborted.class);
    assertThat(door.counter("http.ingress.downstream_cx_protocol_error")).isEqualTo(1);
    assertThat(door.counter("http.ingress.downstream_rq_4xx")).isZero();
  }

  @Test
  void dropsEverythingTheClientSendsAfterARefusal() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, true);
    door.channel.config().setAutoClose(false);

    door.send("GET / HTTP/1.1\r\nHost : a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\n\r\n");

    assertThat(door.output()).startsWith("HTTP/1.1 400 Bad Request\r\n");
    assertThat(door.handler.requests).isEmpty();
  }

  @Test
  void decodesAtMostAWindowOfPipelinedRequestsAndTheRestAfterResponsesFreePlaces() {
    FrontDoor door = new FrontDoor(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, false);
    StringBuilder burst = new StringBuilder();
    int total = PipelinedRequestWindow.DEFAULT_SIZE + 5;
    for (int i = 0; i < total; i++) {
      burst.append("GET /").append(i).append(" HTTP/1.1\r\nHost: a\r\n\r\n");
    }

    door.send(burst.toString());
    // The sequencer hands over one request at a time; the decoder has seen only the window.
    assertThat(door.handler.requests).hasSize(1);

    for (int answered = 1; answered <= total; answered++) {
      door.handler.respond(200);
      door.channel.runPendingTasks();
      assertThat(door.handler.requests).hasSize(Math.min(answered + 1, total));
    }
    assertThat(door.output()).contains("GET /" + (total - 1) + " host=a");
    assertThat(door.channel.isOpen()).isTrue();
    door.channel.finishAndReleaseAll();
  }

  @Test
  void aWindowFullOfPipelinedRequestsStopsReadingUntilAResponseFreesAPlace() {
    PipelinedRequestWindow window = new PipelinedRequestWindow(2);
    Http1Stats stats = new Http1Stats(new StatsStore(), "ingress");
    RecordingStreamHandler handler = new RecordingStreamHandler(false);
    java.util.concurrent.atomic.AtomicInteger reads =
        new java.util.concurrent.atomic.AtomicInteger();
    EmbeddedChannel channel =
        new EmbeddedChannel(
            new io.netty.channel.ChannelOutboundHandlerAdapter() {
              @Override
              public void read(ChannelHandlerContext ctx) {
                reads.incrementAndGet();
                ctx.read();
              }
            },
            new RequestSmugglingGuard(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, window),
            new HttpServerCodec(),
            new Http1ExchangeSequencer(Http1Limits.DEFAULTS, Http1Settings.DEFAULTS, stats, window),
            handler);
    channel.writeInbound(
        Unpooled.copiedBuffer(
            "GET /1 HTTP/1.1\r\nHost: a\r\n\r\n".repeat(4), StandardCharsets.ISO_8859_1));
    assertThat(window.outstanding()).isEqualTo(2);

    reads.set(0);
    channel.read();
    assertThat(reads).hasValue(0);

    handler.respond(200);
    channel.runPendingTasks();
    assertThat(window.outstanding()).isEqualTo(2);
    handler.respond(200);
    channel.runPendingTasks();
    handler.respond(200);
    channel.runPendingTasks();
    assertThat(handler.requests).hasSize(4);
    assertThat(reads).hasValue(1); // the read asked for while full went out once bytes were free
    channel.finishAndReleaseAll();
  }
}
