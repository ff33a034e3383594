package io.attache.dataplane.listenerfilter;

import io.attache.dataplane.listenerfilter.ListenerFiltersConfig.Kind;
import io.attache.dataplane.time.Scheduler;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a listener's {@code listener_filters} on one new connection, in order: {@code original_dst}
 * restores the local address at once; {@code proxy_protocol} takes a PROXY header off the
 * connection (the only bytes a listener filter consumes) and makes its addresses the connection's;
 * {@code tls_inspector} and {@code http_inspector} read the first bytes without consuming them
 * until they can tell. Then it hands the connection on (the caller picks the filter chain and
 * installs its pipeline after this handler) and steps aside, passing every byte it read on
 * unchanged. Bounded: at most 64 KiB held, and the listener's {@code listener_filters_timeout} (on
 * the injected scheduler) either closes the connection or, with {@code
 * continue_on_listener_filters_timeout}, goes on with what was found. A connection that ends before
 * the filters are done is closed, as in Envoy. Runs on the connection's event loop only.
 */
public final class ListenerFilterHandler extends ByteToMessageDecoder {
  private static final Logger log = LoggerFactory.getLogger(ListenerFilterHandler.class);

  private final ListenerFiltersConfig config;
  private final ConnectionProperties properties;
  private final OriginalDestination originalDestination;
  private final ListenerFilterStats stats;
  private final Scheduler scheduler;
  private final Consumer<ChannelHandlerContext> onDone;
  private final Queue<Kind> pending;
  private Scheduler.ScheduledTask timeout = Scheduler.ScheduledTask.NONE;
  private boolean done;
  private boolean counted;

  public ListenerFilterHandler(
      ListenerFiltersConfig config,
      ConnectionProperties properties,
      OriginalDestination originalDestination,
      ListenerFilterStats stats,
      Scheduler scheduler,
      Consumer<ChannelHandlerContext> onDone) {
    this.config = config;
    this.properties = properties;
    this.originalDestination = originalDestination;
    this.stats = stats;
    this.scheduler = scheduler;
    this.onDone = onDone;
    this.pending = new ArrayDeque<>(config.filters());
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.channel().attr(ConnectionProperties.KEY).set(properties);
    runNonPeeking(ctx.channel());
    if (pending.isEmpty()) {
      complete(ctx);
      return;
    }
    stats.preCxActive.inc();
    counted = true;
    if (!config.timeout().isZero()) {
      timeout = scheduler.schedule(config.timeout(), () -> onTimeout(ctx));
    }
    if (ctx.channel().isActive()) {
      ctx.read();
    }
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) throws Exception {
    super.channelActive(ctx);
    if (!done) {
      ctx.read();
    }
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (done) {
      return;
    }
    while (!pending.isEmpty()) {
      Kind next = pending.peek();
      Step step =
          switch (next) {
            case TLS_INSPECTOR -> inspectTls(in);
            case HTTP_INSPECTOR -> inspectHttp(in);
            case PROXY_PROTOCOL -> readProxyProtocol(in);
            case ORIGINAL_DST -> {
              restoreOriginalDestination(ctx.channel());
              yield Step.DONE;
            }
          };
      if (step == Step.CLOSE) {
        finish();
        ctx.close();
        return;
      }
      if (step == Step.NEED_MORE) {
        ctx.read();
        return;
      }
      pending.poll();
    }
    complete(ctx);
  }

  @Override
  protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (!done) {
      decode(ctx, in, out);
    }
    if (!done) {
      log.debug("{}: closed before the listener filters were done", ctx.channel());
      finish();
      ctx.close();
    }
  }

  @Override
  public void handlerRemoved0(ChannelHandlerContext ctx) {
    finish();
  }

  private enum Step {
    DONE,
    NEED_MORE,
    CLOSE
  }

  private Step inspectTls(ByteBuf in) {
    ClientHello.Result r = ClientHello.parse(in);
    switch (r.outcome()) {
      case NEED_MORE:
        return Step.NEED_MORE;
      case NOT_TLS:
        stats.tlsNotFound.inc();
        return Step.DONE;
      case TOO_LARGE:
        stats.clientHelloTooLarge.inc();
        return Step.CLOSE;
      default:
        break;
    }
    stats.tlsFound.inc();
    properties.transportProtocol(ConnectionProperties.TLS);
    if (r.serverName().isEmpty()) {
      stats.sniNotFound.inc();
    } else {
      stats.sniFound.inc();
      properties.requestedServerName(r.serverName());
    }
    if (r.alpn().isEmpty()) {
      stats.alpnNotFound.inc();
    } else {
      stats.alpnFound.inc();
      properties.applicationProtocols(r.alpn());
    }
    return Step.DONE;
  }

  /** Takes a PROXY protocol header off the connection; its addresses become the connection's. */
  private Step readProxyProtocol(ByteBuf in) {
    ProxyProtocolConfig c = config.proxyProtocol();
    ProxyProtocolStats s = stats.proxyProtocol;
    ProxyProtocolHeader.Result r =
        ProxyProtocolHeader.read(in, c.v1Allowed(), c.v2Allowed(), c.allowWithout());
    switch (r.outcome()) {
      case NEED_MORE:
        return Step.NEED_MORE;
      case NOT_FOUND_ALLOWED:
        s.notFoundAllowed.inc();
        return Step.DONE;
      case NOT_FOUND_DISALLOWED:
        s.notFoundDisallowed.inc();
        s.legacyError.inc();
        return Step.CLOSE;
      case ERROR:
        s.error(r.version()).inc();
        s.legacyError.inc();
        return Step.CLOSE;
      case DISALLOWED:
        s.found(r.version()).inc();
        s.disallowed(r.version()).inc();
        return Step.CLOSE;
      default:
        break;
    }
    s.found(r.version()).inc();
    in.skipBytes(r.length());
    if (r.source() != null) {
      properties.proxyProtocol(r.source(), r.destination());
    }
    return Step.DONE;
  }

  private Step inspectHttp(ByteBuf in) {
    if (ConnectionProperties.TLS.equals(properties.transportProtocol())) {
      return Step.DONE; // Envoy's http_inspector looks at cleartext only
    }
    switch (HttpInspection.inspect(in)) {
      case NEED_MORE:
        return Step.NEED_MORE;
      case H2C:
        stats.http2Found.inc();
        properties.applicationProtocols(List.of("h2c"));
        return Step.DONE;
      case HTTP11:
        stats.http11Found.inc();
        properties.applicationProtocols(List.of("http/1.1"));
        return Step.DONE;
      case HTTP10:
        stats.http10Found.inc();
        properties.applicationProtocols(List.of("http/1.0"));
        return Step.DONE;
      default:
        stats.httpNotFound.inc();
        return Step.DONE;
    }
  }

  /** Filters that need no bytes, up to the first that does (order is the config's). */
  private void runNonPeeking(Channel accepted) {
    while (!pending.isEmpty() && !pending.peek().peeks()) {
      pending.poll();
      restoreOriginalDestination(accepted);
    }
  }

  private void restoreOriginalDestination(Channel accepted) {
    originalDestination.lookup(accepted).ifPresent(properties::restoreLocalAddress);
  }

  private void onTimeout(ChannelHandlerContext ctx) {
    if (done) {
      return;
    }
    stats.preCxTimeout.inc();
    if (config.continueOnTimeout()) {
      pending.clear();
      complete(ctx);
    } else {
      finish();
      ctx.close();
    }
  }

  private void complete(ChannelHandlerContext ctx) {
    finish();
    onDone.accept(ctx);
    if (ctx.channel().isOpen()) {
      ctx.pipeline().remove(this); // passes on every byte read so far
    }
  }

  private void finish() {
    if (done) {
      return;
    }
    done = true;
    timeout.cancel();
    if (counted) {
      stats.preCxActive.dec();
    }
  }
}
