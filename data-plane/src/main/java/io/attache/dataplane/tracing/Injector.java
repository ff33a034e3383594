package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * What a span needs of its tracer's context format while the request runs: ids for child spans and
 * the headers that name a span as the upstream's parent. Event-loop only; never blocks.
 */
interface Injector {
  /** The id of a child span about to start. */
  String newSpanId();

  /**
   * Writes the context naming {@code span} as the parent of what the upstream does.
   *
   * @param path the upstream request's path
   * @param upstreamAddress the upstream host as {@code ip:port}, or the {@code :authority} when no
   *     host is known
   */
  void inject(RecordingSpan span, HttpHeaders headers, String path, String upstreamAddress);
}
