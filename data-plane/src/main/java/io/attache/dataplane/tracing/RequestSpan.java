package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * The span of one downstream request. Lives on the stream's event loop; its methods never block.
 * {@link #NOOP} stands for "tracing not configured": it injects nothing and records nothing, so the
 * incoming trace headers pass through untouched as they do in Envoy.
 */
public interface RequestSpan {
  RequestSpan NOOP =
      new RequestSpan() {
        @Override
        public String traceId() {
          return "";
        }

        @Override
        public String spanId() {
          return "";
        }

        @Override
        public boolean sampled() {
          return false;
        }

        @Override
        public void setOperationName(String name) {}

        @Override
        public void injectInto(HttpHeaders upstreamHeaders) {}

        @Override
        public AttemptSpan startAttempt(int attempt, String clusterName) {
          return AttemptSpan.NOOP;
        }

        @Override
        public void finish(RequestOutcome outcome) {}
      };

  String traceId();

  String spanId();

  /** Whether this span (and so the trace, downstream of here) is recorded and exported. */
  boolean sampled();

  /** Renames the span, as a route {@code decorator.operation} does. */
  void setOperationName(String name);

  /**
   * Writes {@code traceparent} and {@code tracestate} (empty for a new trace) naming this span as
   * the parent. Use it when no attempt span is involved; {@link AttemptSpan#injectInto} otherwise.
   */
  void injectInto(HttpHeaders upstreamHeaders);

  /**
   * Starts upstream attempt {@code attempt} (1 for the first try, 2 for the first retry, ...). With
   * {@code spawn_upstream_span} this is a CLIENT child span named {@code router <cluster> egress};
   * without it the attempt injects this span's context and records nothing of its own.
   */
  AttemptSpan startAttempt(int attempt, String clusterName);

  /** Tags the span with the outcome and, if sampled, hands it to the exporter. Call once. */
  void finish(RequestOutcome outcome);
}
