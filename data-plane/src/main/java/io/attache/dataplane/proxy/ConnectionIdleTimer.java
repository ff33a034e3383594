package io.attache.dataplane.proxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.Ticker;
import io.netty.channel.Channel;
import java.time.Duration;

/**
 * HCM {@code common_http_protocol_options.idle_timeout} for one downstream connection: runs while
 * the connection has no active stream and closes it (HTTP/2: with GOAWAY, sent by the codec on
 * close) when the timeout passes with none. Streams starting and ending only move a {@link
 * DeadlineTimer}'s deadline, so a busy keep-alive connection schedules nothing per request. Used
 * only on the connection's event loop.
 */
public final class ConnectionIdleTimer {
  private final Channel connection;
  private final Duration timeout;
  private final Counter idleTimeouts;
  private final Ticker ticker;
  private final DeadlineTimer timer;
  private final Runnable onIdle = this::onIdle;
  private int activeStreams;

  public ConnectionIdleTimer(
      Channel connection, Duration timeout, Counter idleTimeouts, Ticker ticker) {
    this.connection = connection;
    this.timeout = timeout;
    this.idleTimeouts = idleTimeouts;
    this.ticker = ticker;
    this.timer = DeadlineTimer.on(connection.eventLoop(), ticker);
  }

  /** The connection is up with nothing to do yet. */
  public void start() {
    arm();
  }

  /** The connection closed: cancels the pending check instead of leaving it queued for hours. */
  public void stop() {
    timer.close();
  }

  public void streamStarted() {
    activeStreams++;
    timer.clear(onIdle);
  }

  public void streamEnded() {
    activeStreams = Math.max(0, activeStreams - 1);
    if (activeStreams == 0) {
      arm();
    }
  }

  private void arm() {
    if (timeout.isZero() || !connection.isActive()) {
      return;
    }
    timer.arm(ticker.nanoTime() + timeout.toNanos(), onIdle);
  }

  private void onIdle() {
    if (activeStreams == 0 && connection.isActive()) {
      idleTimeouts.inc();
      connection.close();
    }
  }
}
