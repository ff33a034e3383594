package io.attache.dataplane.accesslog;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.Gauge;
import io.attache.dataplane.stats.StatsStore;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes log lines to one file or stream from a thread of its own, so the event loop that calls
 * {@link #write} never waits for a disk or a pipe. The queue is bounded: when the writer falls
 * behind, a line is dropped and counted rather than ever blocking the caller. Flushes each time the
 * queue runs empty.
 *
 * <p>Stats (shared by all files, as Envoy's are): {@code access_logs.file.write_buffered}, {@code
 * write_completed}, {@code write_failed}, gauge {@code write_total_buffered} (bytes waiting), and
 * Attaché's own {@code access_logs.file.write_dropped} (Envoy has no bound, hence no such stat).
 */
final class AsyncLineWriter implements AutoCloseable {
  /** What happened to a line handed to {@link #write}. */
  enum WriteResult {
    QUEUED,
    DROPPED_QUEUE_FULL,
    DROPPED_CLOSED
  }

  static final int DEFAULT_CAPACITY = 16 * 1024;
  private static final Logger log = LoggerFactory.getLogger(AsyncLineWriter.class);
  private static final byte[] END = new byte[0];

  private final String name;
  private final OutputStream out;
  private final boolean closeStream;
  private final BlockingQueue<byte[]> queue;
  private final Thread thread;
  private final Counter writeBuffered;
  private final Counter writeCompleted;
  private final Counter writeFailed;
  private final Counter writeDropped;
  private final Gauge totalBuffered;
  private volatile boolean closed;

  AsyncLineWriter(
      String name, OutputStream out, boolean closeStream, int capacity, StatsStore stats) {
    this.name = name;
    this.out = out;
    this.closeStream = closeStream;
    this.queue = new ArrayBlockingQueue<>(capacity + 1);
    this.writeBuffered = stats.counter("access_logs.file.write_buffered");
    this.writeCompleted = stats.counter("access_logs.file.write_completed");
    this.writeFailed = stats.counter("access_logs.file.write_failed");
    this.writeDropped = stats.counter("access_logs.file.write_dropped");
    this.totalBuffered = stats.gauge("access_logs.file.write_total_buffered");
    this.thread = new Thread(this::drain, "attache-access-log " + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues one line; never blocks. */
  WriteResult write(String line) {
    if (closed) {
      writeDropped.inc();
      return WriteResult.DROPPED_CLOSED;
    }
    byte[] bytes = line.getBytes(StandardCharsets.UTF_8);
    // One slot is kept for the END marker so close() never waits behind a full queue.
    if (queue.remainingCapacity() <= 1 || !queue.offer(bytes)) {
      writeDropped.inc();
      return WriteResult.DROPPED_QUEUE_FULL;
    }
    addBuffered(bytes.length);
    writeBuffered.inc();
    return WriteResult.QUEUED;
  }

  /**
   * Gauge has no add; every writer of this store shares the one gauge instance, so locking on it
   * makes the read-modify-write atomic across writers. Held for nanoseconds.
   */
  private void addBuffered(long delta) {
    synchronized (totalBuffered) {
      totalBuffered.set(totalBuffered.value() + delta);
    }
  }

  private void drain() {
    List<byte[]> batch = new ArrayList<>();
    boolean running = true;
    while (running) {
      try {
        batch.add(queue.take());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      queue.drainTo(batch);
      long bytes = 0;
      try {
        for (byte[] line : batch) {
          if (line == END) {
            running = false;
            continue;
          }
          out.write(line);
          bytes += line.length;
        }
        out.flush();
        writeCompleted.inc();
      } catch (IOException e) {
        writeFailed.inc();
        log.warn("access log {}: write failed", name, e);
      }
      addBuffered(-bytes);
      batch.clear();
    }
    if (closeStream) {
      try {
        out.close();
      } catch (IOException e) {
        log.warn("access log {}: close failed", name, e);
      }
    }
  }

  /** Writes everything queued so far, then stops the thread. Call off the event loop. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.offer(END);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
