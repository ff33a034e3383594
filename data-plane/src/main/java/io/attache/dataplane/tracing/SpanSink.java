package io.attache.dataplane.tracing;

/**
 * Where finished, sampled spans go. Called on event loops: an implementation must return at once
 * and never block (queue, drop and count instead).
 */
@FunctionalInterface
public interface SpanSink {
  SpanSink DISCARD = span -> {};

  void accept(SpanData span);
}
