package io.attache.dataplane.proxy;

import io.attache.dataplane.stats.Counter;
import io.netty.channel.Channel;
import io.netty.util.concurrent.ScheduledFuture;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * HCM {@code common_http_protocol_options.idle_timeout} for one downstream connection: armed while
 * the connection has no active stream, cancelled when one starts, closes the connection (HTTP/2:
 * with GOAWAY, sent by the codec on close) when it fires. Used only on the connection's event loop.
 */
public final class ConnectionIdleTimer {
  private final Channel connection;
  private final Duration timeout;
  private final Counter idleTimeouts;
  private int activeStreams;
  private ScheduledFuture<?> timer;

  public ConnectionIdleTimer(Channel connection, Duration timeout, Counter idleTimeouts) {
    this.connection = connection;
    this.timeout = timeout;
    this.idleTimeouts = idleTimeouts;
  }

  /** The connection is up with nothing to do yet. */
  public void start() {
    arm();
  }

  public void streamStarted() {
    activeStreams++;
    if (timer != null) {
      timer.cancel(false);
      timer = null;
    }
  }

  public void streamEnded() {
    activeStreams = Math.max(0, activeStreams - 1);
    if (activeStreams == 0) {
      arm();
    }
  }

  private void arm() {
    if (timeout.isZero() || timer != null || !connection.isActive()) {
      return;
    }
    timer =
        connection
            .eventLoop()
            .schedule(
                () -> {
                  timer = null;
                  if (activeStreams == 0 && connection.isActive()) {
                    idleTimeouts.inc();
                    connection.close();
                  }
                },
                timeout.toNanos(),
                TimeUnit.NANOSECONDS);
  }
}
