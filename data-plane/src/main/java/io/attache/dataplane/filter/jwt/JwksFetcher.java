package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.cluster.ClusterHandle.UpstreamOutcome;
import io.attache.dataplane.filter.jwt.JwtProviderConfig.Remote;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.netty.buffer.Unpooled;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Fetches one provider's {@code remote_jwks}: a GET of its {@code http_uri} through its cluster (a
 * {@link ClusterExchange}: the cluster's hosts, pools, TLS and {@code upstream_rq_*} stats),
 * bounded by {@code http_uri.timeout} on the injected scheduler. Anything but a 200 carrying a
 * valid JWKS is a failure. Runs on the stream's event loop; never blocks. One fetch per instance;
 * {@link #cancel} abandons it.
 */
final class JwksFetcher {
  private final Remote remote;
  private final ClusterExchange exchange;
  private final Scheduler scheduler;
  private ScheduledTask timeout = ScheduledTask.NONE;
  private boolean finished;

  JwksFetcher(
      Remote remote,
      Function<String, ClusterHandle> clusters,
      EventLoop loop,
      Scheduler scheduler) {
    this.remote = remote;
    this.exchange = new ClusterExchange(clusters, remote.cluster(), loop);
    this.scheduler = scheduler;
  }

  /** Starts the fetch; {@code onDone} gets the keys, or null on any failure, exactly once. */
  void fetch(Consumer<Jwks> onDone) {
    DefaultFullHttpRequest request =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, remote.pathAndQuery(), Unpooled.EMPTY_BUFFER);
    request.headers().set(HttpHeaderNames.HOST, remote.authority());
    request.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0);
    timeout =
        scheduler.schedule(
            remote.timeout(),
            () -> {
              if (!finished) {
                finished = true;
                exchange.cancel(UpstreamOutcome.TIMEOUT);
                onDone.accept(null);
              }
            });
    exchange.send(
        request,
        response -> {
          if (finished) {
            return;
          }
          finished = true;
          timeout.cancel();
          onDone.accept(
              response.status() == 200
                  ? Jwks.parse(new String(response.body(), StandardCharsets.UTF_8)).jwks()
                  : null);
        });
  }

  /** Abandons the fetch (the stream ended); the callback is not called. */
  void cancel() {
    if (!finished) {
      finished = true;
      timeout.cancel();
      exchange.cancel(UpstreamOutcome.CANCELLED);
    }
  }
}
