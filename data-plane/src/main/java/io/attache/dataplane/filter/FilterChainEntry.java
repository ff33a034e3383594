package io.attache.dataplane.filter;

/**
 * One filter of a listener's running HTTP filter chain: its running factory and what the chain
 * needs to decide, per stream, whether it runs. Immutable.
 *
 * @param name {@code HttpFilter.name}, the key of its per-route configs
 * @param canonicalName the filter type's canonical name, the per-route key Envoy falls back to
 * @param disabledByDefault {@code HttpFilter.disabled}
 */
public record FilterChainEntry(
    String name, String canonicalName, boolean disabledByDefault, HttpFilterFactory factory) {}
