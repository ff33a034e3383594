package io.attache.dataplane.http;

/**
 * How many requests of one HTTP/1.1 connection may be handed to the decoder before their responses
 * are written. The {@link RequestSmugglingGuard} admits each request at its first byte and, when
 * the window is full, keeps the bytes and stops reading (backpressure) instead of letting Netty's
 * decoder queue requests until it hits its own pipeline depth and fails the connection; the {@link
 * Http1ExchangeSequencer} frees a place when a response is complete. One per connection; used only
 * on its event loop.
 */
final class PipelinedRequestWindow {
  /**
   * Requests decoded ahead of the one being answered. Envoy parses the next pipelined request only
   * after the current response; a few ahead saves reads without holding many decoded requests.
   */
  static final int DEFAULT_SIZE = 16;

  private final int size;
  private int outstanding;
  private Runnable onFreed = () -> {};

  PipelinedRequestWindow(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("size must be >= 1");
    }
    this.size = size;
  }

  /** Takes a place for a new request; false when the window is full. */
  boolean tryAdmit() {
    if (outstanding >= size) {
      return false;
    }
    outstanding++;
    return true;
  }

  /** A response is complete: its place is free; whoever waits for one is told. */
  void responseComplete() {
    if (outstanding > 0) {
      outstanding--;
      onFreed.run();
    }
  }

  /** Called (on the event loop, inside the write of a response) whenever a place frees. */
  void onFreed(Runnable listener) {
    this.onFreed = listener;
  }

  int outstanding() {
    return outstanding;
  }
}
