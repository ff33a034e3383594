package io.attache.dataplane.admin;

import io.attache.dataplane.accesslog.AccessLogEntry;
import io.attache.dataplane.accesslog.HeaderLookup;
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
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The proxy's admin endpoint ({@code admin.address}, default 127.0.0.1:15000): a small HTTP/1.1
 * server with Envoy's paths. It owns one event-loop thread of its own and never shares or blocks
 * the proxy's data-path loops; a slow admin request delays only other admin requests.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final int MAX_REQUEST_BYTES = 64 * 1024;

  private final AdminConfig config;
  private final AdminEndpoints endpoints;
  private final AdminSources sources;
  private final EventLoopGroup group;
  private Channel channel;

  public AdminServer(AdminConfig config, AdminSources sources) {
    this.config = config;
    this.endpoints = new AdminEndpoints(sources);
    this.sources = sources;
    this.group =
        new MultiThreadIoEventLoopGroup(
            1, new DefaultThreadFactory("attache-admin", true), NioIoHandler.newFactory());
  }

  /** Binds {@code admin.address}; returns the bound address (the real port when 0 was asked). */
  public synchronized InetSocketAddress start() throws InterruptedException {
    ServerBootstrap bootstrap =
        new ServerBootstrap()
            .group(group)
            .channel(NioServerSocketChannel.class)
            .childHandler(
                new ChannelInitializer<SocketChannel>() {
                  @Override
                  protected void initChannel(SocketChannel ch) {
                    ch.pipeline()
                        .addLast(new HttpServerCodec())
                        .addLast(new HttpObjectAggregator(MAX_REQUEST_BYTES))
                        .addLast(new RequestHandler());
                  }
                });
    channel = bootstrap.bind(config.address()).sync().channel();
    InetSocketAddress bound = (InetSocketAddress) channel.localAddress();
    log.info("admin endpoint listening on {}", bound);
    return bound;
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      channel.close().awaitUninterruptibly();
    }
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
  }

  private final class RequestHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
      Instant startTime = sources.clock().instant();
      long startNanos = sources.ticker().nanoTime();
      AdminResponse reply;
      if (!request.decoderResult().isSuccess()) {
        reply = AdminResponse.text(400, "Bad Request\n");
      } else {
        try {
          reply = endpoints.handle(request.method().name(), request.uri());
        } catch (RuntimeException e) {
          log.warn("admin {} {} failed", request.method(), request.uri(), e);
          reply = AdminResponse.text(500, "internal error: " + e.getMessage() + "\n");
        }
      }
      ByteBuf body = Unpooled.copiedBuffer(reply.body(), StandardCharsets.UTF_8);
      FullHttpResponse response =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(reply.status()), body);
      response
          .headers()
          .set(HttpHeaderNames.CONTENT_TYPE, reply.contentType())
          .set(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes())
          .set(HttpHeaderNames.CACHE_CONTROL, "no-cache, max-age=0")
          .set("x-content-type-options", "nosniff");
      boolean keepAlive = HttpUtil.isKeepAlive(request);
      if (!keepAlive) {
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
      }
      Runnable afterSent = reply.afterSent();
      int status = reply.status();
      long bytesSent = body.readableBytes();
      long bytesReceived = request.content().readableBytes();
      HttpHeaders requestHeaders = request.headers().copy();
      String method = request.method().name();
      String uri = request.uri();
      ctx.writeAndFlush(response)
          .addListener(
              f -> {
                afterSent.run();
                if (!sources.accessLog().isEmpty()) {
                  sources
                      .accessLog()
                      .log(
                          AccessLogEntry.builder()
                              .startTime(startTime)
                              .duration(Duration.ofNanos(sources.ticker().nanoTime() - startNanos))
                              .protocol("HTTP/1.1")
                              .requestHeaders(requestLookup(method, uri, requestHeaders))
                              .responseCode(status)
                              .responseCodeDetails("admin_filter_response")
                              .bytesReceived(bytesReceived)
                              .bytesSent(bytesSent)
                              .downstreamRemoteAddress(
                                  (InetSocketAddress) ctx.channel().remoteAddress())
                              .downstreamLocalAddress(
                                  (InetSocketAddress) ctx.channel().localAddress())
                              .build());
                }
                if (!keepAlive) {
                  ctx.close();
                }
              });
    }

    private static HeaderLookup requestLookup(String method, String uri, HttpHeaders headers) {
      return name ->
          switch (name) {
            case ":method" -> Optional.of(method);
            case ":path" -> Optional.of(uri);
            case ":authority" -> Optional.ofNullable(headers.get(HttpHeaderNames.HOST));
            case ":scheme" -> Optional.of("http");
            default -> Optional.ofNullable(headers.get(name));
          };
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      log.debug("admin connection {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }
}
