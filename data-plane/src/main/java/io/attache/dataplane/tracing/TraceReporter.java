package io.attache.dataplane.tracing;

/**
 * What a listener owns of a tracing provider: the exporter or reporter that sends its finished
 * spans away. Closed (flushing what is queued) when the listener is retired; never on an event
 * loop.
 */
public interface TraceReporter extends AutoCloseable {
  @Override
  void close();
}
