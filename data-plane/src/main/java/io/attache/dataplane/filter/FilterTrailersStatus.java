package io.attache.dataplane.filter;

/** What a filter answers to trailers, as Envoy's {@code FilterTrailersStatus}. */
public enum FilterTrailersStatus {
  CONTINUE,
  /** Hold the end of the stream until the filter continues. */
  STOP_ITERATION
}
