package io.attache.dataplane.filter;

/**
 * Where a filter factory puts its instances for one stream (Envoy's {@code
 * FilterChainFactoryCallbacks}).
 */
public interface FilterChainFactoryCallbacks {
  void addStreamDecoderFilter(StreamDecoderFilter filter);

  void addStreamEncoderFilter(StreamEncoderFilter filter);

  /** Adds one instance to both sides: it decodes in chain order and encodes in reverse. */
  void addStreamFilter(StreamFilter filter);
}
