package io.attache.dataplane.proxy;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.ExecutorScheduler;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.time.Ticker;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.time.Duration;

/**
 * HCM {@code common_http_protocol_options.idle_timeout} for one downstream connection: runs from
 * the moment the connection is accepted — before TLS, protocol sniffing and the HTTP/2 preface, so
 * a peer that sends nothing or half a preface is closed on time — and whenever the connection has
 * no active stream; closes it (HTTP/2: with GOAWAY, sent by the codec on close) when the timeout
 * passes with none. Streams starting and ending only move a {@link DeadlineTimer}'s deadline, so a
 * busy keep-alive connection schedules nothing per request. Used only on the connection's event
 * loop.
 */
public final class ConnectionIdleTimer {
  /** Where the timer of a connection is kept, for whichever codec the connection ends up with. */
  public static final AttributeKey<ConnectionIdleTimer> KEY =
      AttributeKey.valueOf("attache.idle-timer");

  private final Channel connection;
  private final Duration timeout;
  private final Counter idleTimeouts;
  private final Ticker ticker;
  private final DeadlineTimer timer;
  private final Runnable onIdle = this::onIdle;
  private int activeStreams;

  ConnectionIdleTimer(
      Channel connection,
      Duration timeout,
      Counter idleTimeouts,
      Ticker ticker,
      Scheduler scheduler) {
    this.connection = connection;
    this.timeout = timeout;
    this.idleTimeouts = idleTimeouts;
    this.ticker = ticker;
    this.timer = new DeadlineTimer(scheduler, ticker);
  }

  /**
   * Arms the timer of a connection just accepted and keeps it on the channel ({@link #KEY}); it is
   * stopped when the connection closes.
   */
  public static ConnectionIdleTimer startOnAccept(
      Channel connection, Duration timeout, Counter idleTimeouts, Ticker ticker) {
    ConnectionIdleTimer idle =
        new ConnectionIdleTimer(
            connection,
            timeout,
            idleTimeouts,
            ticker,
            new ExecutorScheduler(connection.eventLoop()));
    connection.attr(KEY).set(idle);
    connection.closeFuture().addListener(f -> idle.stop());
    idle.start();
    return idle;
  }

  /** The timer {@link #startOnAccept} left on {@code connection}, or null. */
  public static ConnectionIdleTimer of(Channel connection) {
    return connection.attr(KEY).get();
  }

  /** The connection is up with nothing to do yet. */
  void start() {
    arm();
  }

  /** The connection closed: cancels the pending check instead of leaving it queued for hours. */
  void stop() {
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
