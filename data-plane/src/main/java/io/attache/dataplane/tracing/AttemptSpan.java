package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.InetSocketAddress;

/**
 * The span of one upstream attempt (one per retry), or a stand-in that injects the request span's
 * context when {@code spawn_upstream_span} is off. Event-loop only; never blocks.
 */
public interface AttemptSpan {
  AttemptSpan NOOP =
      new AttemptSpan() {
        @Override
        public void injectInto(
            HttpHeaders upstreamHeaders, String path, InetSocketAddress upstream) {}

        @Override
        public void finish(AttemptOutcome outcome) {}
      };

  /**
   * Writes the trace context the upstream request must carry ({@code traceparent}, B3, {@code
   * sw8}...).
   *
   * @param path the upstream request's path (SkyWalking names its Exit span after it)
   * @param upstream the chosen host (SkyWalking's target address), or null when none is known
   */
  void injectInto(HttpHeaders upstreamHeaders, String path, InetSocketAddress upstream);

  /** As {@link #injectInto(HttpHeaders, String, InetSocketAddress)} with no path or host known. */
  default void injectInto(HttpHeaders upstreamHeaders) {
    injectInto(upstreamHeaders, "", null);
  }

  /** Tags and ends the attempt's span; a no-op for the stand-in. Call once. */
  void finish(AttemptOutcome outcome);
}
