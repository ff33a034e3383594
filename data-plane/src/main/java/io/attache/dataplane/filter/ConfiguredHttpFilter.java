package io.attache.dataplane.filter;

/**
 * One entry of an HCM's {@code http_filters}, parsed: its name, its type and its config. Immutable;
 * part of the connection manager's config.
 *
 * @param name {@code HttpFilter.name}
 * @param disabled {@code HttpFilter.disabled}: runs only on routes whose {@code
 *     typed_per_filter_config} names it (and does not disable it)
 */
public record ConfiguredHttpFilter<C>(
    String name, HttpFilterType<C> type, C config, boolean disabled) {

  /** The running factory for one listener. */
  public HttpFilterFactory factory(FilterFactoryContext context) {
    return type.factory(config, context.forFilter(name));
  }
}
