package io.attache.dataplane.testing;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;

/**
 * A real upstream for tests: an HTTP/1.1 server (keep-alive) or an HTTP/2 prior-knowledge server on
 * an ephemeral loopback port, in cleartext or behind TLS. It records every request it receives and
 * answers with a test-supplied function, so tests assert on what the upstream really saw.
 */
public final class TestHttpServer implements AutoCloseable {

  /** What the upstream received. */
  public record Received(
      String method, String uri, HttpHeaders headers, String body, String protocol) {}

  /** What the upstream answers: status, headers to set, body. */
  public record Reply(int status, List<String[]> headers, String body) {
    public static Reply ok(String body) {
      return new Reply(200, List.of(), body);
    }

    public static Reply status(int status) {
      return new Reply(status, List.of(), "");
    }

    public Reply withHeader(String name, String value) {
      List<String[]> h = new java.util.ArrayList<>(headers);
      h.add(new String[] {name, value});
      return new Reply(status, h, body);
    }
  }

  private final EventLoopGroup group;
  private final Channel server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private volatile Function<Received, Reply> handler;

  /** Client certificates of TLS connections, in accept order (empty list: none presented). */
  private final List<List<java.security.cert.Certificate>> peerCertificates =
      new CopyOnWriteArrayList<>();

  private final List<String> negotiatedProtocols = new CopyOnWriteArrayList<>();

  private TestHttpServer(boolean http2, Function<Received, Reply> handler) {
    this(http2, null, handler);
  }

  private TestHttpServer(
      boolean http2, io.netty.handler.ssl.SslContext tls, Function<Received, Reply> handler) {
    this.handler = handler;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("test-upstream", true), NioIoHandler.newFactory());
    ServerBootstrap b =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<Channel>() {
                  @Override
                  protected void initChannel(Channel ch) {
                    connections.incrementAndGet();
                    if (tls != null) {
                      io.netty.handler.ssl.SslHandler ssl = tls.newHandler(ch.alloc());
                      ch.pipeline().addLast(ssl);
                      ssl.handshakeFuture()
                          .addListener(
                              f -> {
                                if (f.isSuccess()) {
                                  negotiatedProtocols.add(
                                      String.valueOf(ssl.applicationProtocol()));
                                  java.security.cert.Certificate[] peer;
                                  try {
                                    peer = ssl.engine().getSession().getPeerCertificates();
                                  } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
                                    peer = new java.security.cert.Certificate[0];
                                  }
                                  peerCertificates.add(List.of(peer));
                                }
                              });
                    }
                    if (http2) {
                      ch.pipeline()
                          .addLast(
                              Http2FrameCodecBuilder.forServer().build(),
                              new Http2MultiplexHandler(
                                  new ChannelInitializer<Channel>() {
                                    @Override
                                    protected void initChannel(Channel stream) {
                                      stream
                                          .pipeline()
                                          .addLast(
                                              new Http2StreamFrameToHttpObjectCodec(true),
                                              new HttpObjectAggregator(1 << 20),
                                              new Responder("HTTP/2"));
                                    }
                                  }));
                    } else {
                      ch.pipeline()
                          .addLast(
                              new HttpServerCodec(),
                              new HttpServerKeepAliveHandler(),
                              new HttpObjectAggregator(1 << 20),
                              new Responder("HTTP/1.1"));
                    }
                  }
                });
    this.server = b.bind(new InetSocketAddress("127.0.0.1", 0)).syncUninterruptibly().channel();
  }

  public static TestHttpServer http1(Function<Received, Reply> handler) {
    return new TestHttpServer(false, handler);
  }

  public static TestHttpServer http2(Function<Received, Reply> handler) {
    return new TestHttpServer(true, handler);
  }

  /** An HTTPS upstream: TLS with {@code tls} (its ALPN decides nothing; the codec is fixed). */
  public static TestHttpServer https(
      io.netty.handler.ssl.SslContext tls, boolean http2, Function<Received, Reply> handler) {
    return new TestHttpServer(http2, tls, handler);
  }

  /** The client certificate chain of each completed TLS handshake, in order. */
  public List<List<java.security.cert.Certificate>> peerCertificates() {
    return peerCertificates;
  }

  /** The ALPN protocol each TLS handshake selected ("null" when none). */
  public List<String> negotiatedProtocols() {
    return negotiatedProtocols;
  }

  /** Echoes the method and path in the body, with the upstream's name in a header. */
  public static Function<Received, Reply> echo(String name) {
    return r -> Reply.ok(r.method() + " " + r.uri()).withHeader("x-upstream", name);
  }

  public void setHandler(Function<Received, Reply> handler) {
    this.handler = handler;
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  public List<Received> received() {
    return received;
  }

  public int connectionsAccepted() {
    return connections.get();
  }

  @Override
  public void close() {
    server.close().syncUninterruptibly();
    group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
  }

  private final class Responder extends SimpleChannelInboundHandler<FullHttpRequest> {
    private final String protocol;

    Responder(String protocol) {
      this.protocol = protocol;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest req) {
      Received r =
          new Received(
              req.method().name(),
              req.uri(),
              req.headers().copy(),
              req.content().toString(StandardCharsets.UTF_8),
              protocol);
      received.add(r);
      Reply reply = handler.apply(r);
      ByteBuf body = Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8);
      FullHttpResponse resp =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()), body);
      for (String[] h : reply.headers()) {
        resp.headers().add(h[0], h[1]);
      }
      resp.headers().set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
      HttpUtil.setKeepAlive(resp, HttpUtil.isKeepAlive(req));
      ctx.writeAndFlush(resp);
    }
  }
}
