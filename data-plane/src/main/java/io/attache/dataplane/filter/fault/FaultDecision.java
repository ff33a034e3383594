package io.attache.dataplane.filter.fault;

import java.time.Duration;
import java.util.OptionalInt;

/**
 * What the fault filter does to one request: nothing, a delay, an abort, or a delay followed by an
 * abort. The caller (the proxy stream, on its event loop) runs the delay on its own timer, then
 * calls {@link #delayElapsed()}; it calls {@link #streamEnded()} once the stream is over, however
 * it ended. Not thread-safe: it belongs to one stream.
 */
public final class FaultDecision {
  /** Local reply body Envoy sends for an injected abort. */
  public static final String ABORT_BODY = "fault filter abort";

  /** Envoy's response code details for an injected abort. */
  public static final String ABORT_DETAILS = "fault_filter_abort";

  /** The shape of the decision; the caller's switch reads like Envoy's filter. */
  public enum Kind {
    NONE,
    DELAY,
    ABORT,
    DELAY_THEN_ABORT
  }

  /** What to do once an injected delay has passed. */
  public enum AfterDelay {
    CONTINUE,
    ABORT
  }

  /**
   * An injected abort: reply locally with {@code httpStatus}; when {@code grpcStatus} is present
   * the reply is a gRPC one (HTTP 200 with that {@code grpc-status}).
   */
  public record Abort(int httpStatus, OptionalInt grpcStatus) {}

  public static final FaultDecision NONE =
      new FaultDecision(Kind.NONE, Duration.ZERO, null, FaultInjector.ActiveFault.NONE, null);

  private final Kind kind;
  private final Duration delay;
  private final Abort abort;
  private final FaultInjector.ActiveFault activeFault;
  private final Runnable abortInjected;
  private boolean abortCounted;

  FaultDecision(
      Kind kind,
      Duration delay,
      Abort abort,
      FaultInjector.ActiveFault activeFault,
      Runnable abortInjected) {
    this.kind = kind;
    this.delay = delay;
    this.abort = abort;
    this.activeFault = activeFault;
    this.abortInjected = abortInjected;
  }

  public Kind kind() {
    return kind;
  }

  /** The delay to inject (zero unless the kind is DELAY or DELAY_THEN_ABORT). */
  public Duration delay() {
    return delay;
  }

  /** The abort to inject; only meaningful when the kind is ABORT or DELAY_THEN_ABORT. */
  public Abort abort() {
    if (abort == null) {
      throw new IllegalStateException("no abort in a " + kind + " decision");
    }
    return abort;
  }

  /**
   * Called when the injected delay has passed. For DELAY_THEN_ABORT this is when the abort is
   * injected (and counted); for DELAY the request goes on and, as in Envoy, stops counting as an
   * active fault.
   */
  public AfterDelay delayElapsed() {
    if (kind == Kind.DELAY_THEN_ABORT) {
      countAbort();
      return AfterDelay.ABORT;
    }
    activeFault.release();
    return AfterDelay.CONTINUE;
  }

  /** Releases this stream's active fault, if any. Idempotent; call it whenever the stream ends. */
  public void streamEnded() {
    activeFault.release();
  }

  void countAbort() {
    if (!abortCounted && abortInjected != null) {
      abortCounted = true;
      abortInjected.run();
    }
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NONE -> "FaultDecision(NONE)";
      case DELAY -> "FaultDecision(DELAY " + delay + ")";
      case ABORT -> "FaultDecision(ABORT " + abort + ")";
      case DELAY_THEN_ABORT -> "FaultDecision(DELAY " + delay + " THEN ABORT " + abort + ")";
    };
  }
}
