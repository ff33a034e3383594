package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The span of one upstream attempt (one per retry), or a stand-in that injects the request span's
 * context when {@code spawn_upstream_span} is off. Event-loop only; never blocks.
 */
public interface AttemptSpan {
  AttemptSpan NOOP =
      new AttemptSpan() {
        @Override
        public void injectInto(HttpHeaders upstreamHeaders) {}

        @Override
        public void finish(AttemptOutcome outcome) {}
      };

  /** Writes the {@code traceparent}/{@code tracestate} the upstream request must carry. */
  void injectInto(HttpHeaders upstreamHeaders);

  /** Tags and ends the attempt's span; a no-op for the stand-in. Call once. */
  void finish(AttemptOutcome outcome);
}
