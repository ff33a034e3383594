package io.attache.dataplane.filter;

/** What a filter answers to a body chunk, as Envoy's {@code FilterDataStatus}. */
public enum FilterDataStatus {
  /** Pass the chunk on (and anything held before it, if headers had been stopped). */
  CONTINUE,
  /**
   * Hold the chunk in the chain and keep reading the body; the filter continues later. Past the
   * stream's buffer limit the request is answered 413 (the response: 500), as in Envoy.
   */
  STOP_ITERATION_AND_BUFFER,
  /**
   * Hold the chunk in the chain but read no more until the filter continues: the held chunk is the
   * backpressure (Envoy's {@code StopIterationAndWatermark}).
   */
  STOP_ITERATION_AND_WATERMARK,
  /** The filter took the chunk (it releases it); nothing is passed on and nothing is held. */
  STOP_ITERATION_NO_BUFFER
}
