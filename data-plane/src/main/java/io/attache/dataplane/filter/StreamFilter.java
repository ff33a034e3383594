package io.attache.dataplane.filter;

/** A filter with both a request and a response side (Envoy's {@code StreamFilter}). */
public interface StreamFilter extends StreamDecoderFilter, StreamEncoderFilter {
  @Override
  default void onDestroy() {}
}
