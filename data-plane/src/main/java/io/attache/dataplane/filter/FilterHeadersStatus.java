package io.attache.dataplane.filter;

/** What a filter answers to headers, as Envoy's {@code FilterHeadersStatus}. */
public enum FilterHeadersStatus {
  /** Pass the headers on to the next filter. */
  CONTINUE,
  /**
   * Do not pass them on yet: the filter calls {@code continueDecoding()} / {@code
   * continueEncoding()} later (or sends a local reply). Body chunks that arrive meanwhile still
   * reach this filter and are held by the chain until it continues.
   */
  STOP_ITERATION
}
