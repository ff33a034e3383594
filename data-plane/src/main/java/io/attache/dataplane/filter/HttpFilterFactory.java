package io.attache.dataplane.filter;

/**
 * One configured HTTP filter of one listener, ready to run: holds the parsed config and the
 * filter's stats and shared state, and makes the per-stream instances. Built once per listener
 * config; called from every event loop at once, so it must be thread-safe and must not block.
 */
@FunctionalInterface
public interface HttpFilterFactory {
  /** Adds this filter's instance(s) for one new stream. */
  void createFilters(FilterChainFactoryCallbacks callbacks);
}
