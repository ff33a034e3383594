package io.attache.dataplane.healthcheck;

import io.attache.dataplane.upstream.host.Host;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.function.Consumer;

/**
 * HTTP/1.1 active health checks over Netty: {@code method path} with {@code Host} set to {@code
 * http_health_check.host} (or the cluster name) and {@code user-agent: Envoy/HC}, judged by the
 * response status once the whole response has arrived. The socket is kept for the next check with
 * {@code reuse_connection} unless the server closes it. Runs on the given event loops; never
 * blocks.
 */
final class HttpHealthProbe implements HealthProbe {
  private final EventLoopGroup group;
  private final HealthCheckConfig config;
  private final HealthCheckConfig.Http http;
  private final String authority;

  HttpHealthProbe(
      EventLoopGroup group, HealthCheckConfig config, HealthCheckConfig.Http http, String cluster) {
    this.group = group;
    this.config = config;
    this.http = http;
    this.authority = http.host().isEmpty() ? cluster : http.host();
  }

  @Override
  public Connection connect(Host host) {
    return new HttpConnection(host);
  }

  /** What a complete response means, as Envoy's HTTP health checker judges it. */
  ProbeOutcome judge(int status, boolean degradedHeader) {
    if (HealthCheckConfig.Http.in(http.expectedStatuses(), status)) {
      return degradedHeader ? ProbeOutcome.DEGRADED : ProbeOutcome.HEALTHY;
    }
    return HealthCheckConfig.Http.in(http.retriableStatuses(), status)
        ? ProbeOutcome.UNHEALTHY_RETRIABLE
        : ProbeOutcome.UNHEALTHY;
  }

  private FullHttpRequest request() {
    FullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.valueOf(http.method()), http.path());
    request.headers().set(HttpHeaderNames.HOST, authority);
    request.headers().set(HttpHeaderNames.USER_AGENT, "Envoy/HC");
    for (HealthCheckConfig.HeaderToAdd header : http.headersToAdd()) {
      if (header.append()) {
        request.headers().add(header.name(), header.value());
      } else {
        request.headers().set(header.name(), header.value());
      }
    }
    for (String name : http.headersToRemove()) {
      if (!name.equals("host")) {
        request.headers().remove(name);
      }
    }
    HttpUtil.setContentLength(request, 0);
    return request;
  }

  /** The probing side of one host: at most one socket and one check in flight. */
  private final class HttpConnection extends ProbeConnection {
    private final Host host;

    // Guarded by this.

    HttpConnection(Host host) {
      this.host = host;
    }

    @Override
    public void check(Consumer<ProbeOutcome> done) {
      Channel reusable;
      synchronized (this) {
        if (closed) {
          return;
        }
        inFlight = done;
        reusable = channel != null && channel.isActive() ? channel : null;
      }
      if (reusable != null) {
        send(reusable);
        return;
      }
      ProbeChannels.connect(
              group,
              ProbeChannels.target(host, config),
              config,
              () -> new ChannelHandler[] {new HttpClientCodec(), new ResponseHandler()})
          .addListener(
              f -> {
                Channel ch = ((io.netty.channel.ChannelFuture) f).channel();
                if (!f.isSuccess()) {
                  complete(ProbeOutcome.NETWORK_FAILURE);
                  return;
                }
                synchronized (this) {
                  if (closed || inFlight == null) {
                    ch.close();
                    return;
                  }
                  channel = ch;
                }
                send(ch);
              });
    }

    private void send(Channel ch) {
      ch.writeAndFlush(request())
          .addListener(
              f -> {
                if (!f.isSuccess()) {
                  ch.close();
                  complete(ProbeOutcome.NETWORK_FAILURE);
                }
              });
    }

    /** Reads one response per check; any early close is a network failure. */
    private final class ResponseHandler extends SimpleChannelInboundHandler<HttpObject> {
      private int status;
      private boolean degraded;
      private boolean keepAlive;

      @Override
      protected void channelRead0(ChannelHandlerContext ctx, HttpObject msg) {
        if (msg instanceof HttpResponse response) {
          status = response.status().code();
          degraded = response.headers().contains("x-envoy-degraded");
          keepAlive = HttpUtil.isKeepAlive(response);
        }
        if (msg instanceof LastHttpContent) {
          boolean keep = config.reuseConnection() && keepAlive;
          if (!keep) {
            synchronized (HttpConnection.this) {
              if (channel == ctx.channel()) {
                channel = null;
              }
            }
          }
          // Report before closing, so the close that follows finds no check in flight.
          complete(judge(status, degraded));
          if (!keep) {
            ctx.close();
          }
        }
      }

      @Override
      public void channelInactive(ChannelHandlerContext ctx) {
        synchronized (HttpConnection.this) {
          if (channel == ctx.channel()) {
            channel = null;
          }
        }
        complete(ProbeOutcome.NETWORK_FAILURE);
      }

      @Override
      public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
      }
    }
  }
}
