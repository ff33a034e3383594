package io.attache.dataplane.tracing;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The downstream streams of one listener context that have started and not yet finished, counted
 * through the request spans its {@link Tracer} hands out (every stream opens one and finishes it
 * once, traced or not). When a config update retires the context, {@link #retire} runs the release
 * of its exporters and log files once its last stream has finished — never under a stream still
 * using them. Lock-free; called from any event loop, and never blocks.
 */
public final class ActiveStreams {
  /** For a context that is never retired (static listeners, tests): counts nothing. */
  public static final ActiveStreams UNTRACKED = new ActiveStreams(false);

  private final boolean tracked;
  // The owner's reference (until retire) plus one per open stream: 0 means idle and retired.
  private final AtomicLong references = new AtomicLong(1);
  private final AtomicBoolean retired = new AtomicBoolean();
  private final AtomicBoolean released = new AtomicBoolean();
  private volatile Runnable onIdle = () -> {};

  public ActiveStreams() {
    this(true);
  }

  private ActiveStreams(boolean tracked) {
    this.tracked = tracked;
  }

  /** Streams started and not finished. */
  public long count() {
    return tracked ? references.get() - (retired.get() ? 0 : 1) : 0;
  }

  /**
   * No new stream takes this context any more: runs {@code onIdle} once, on the thread that
   * finishes the last stream (at once, on this thread, when none is open). {@code onIdle} must hand
   * blocking work to another executor. A second call does nothing.
   */
  public void retire(Runnable onIdle) {
    if (!tracked || !retired.compareAndSet(false, true)) {
      return;
    }
    this.onIdle = onIdle;
    release();
  }

  void started() {
    if (tracked) {
      references.incrementAndGet();
    }
  }

  void finished() {
    if (tracked) {
      release();
    }
  }

  private void release() {
    if (references.decrementAndGet() == 0 && released.compareAndSet(false, true)) {
      onIdle.run();
    }
  }
}
