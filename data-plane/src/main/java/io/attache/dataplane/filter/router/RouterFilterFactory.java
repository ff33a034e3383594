package io.attache.dataplane.filter.router;

import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;

/** The router of one listener: its stats and the running clusters, shared by its streams. */
final class RouterFilterFactory implements HttpFilterFactory {
  final FilterFactoryContext context;
  final RouterStats stats;

  RouterFilterFactory(FilterFactoryContext context) {
    this.context = context;
    this.stats = new RouterStats(context.stats(), context.statPrefix());
  }

  @Override
  public void createFilters(FilterChainFactoryCallbacks callbacks) {
    callbacks.addStreamDecoderFilter(new RouterFilter(this));
  }
}
