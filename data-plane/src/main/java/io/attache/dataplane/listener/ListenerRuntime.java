package io.attache.dataplane.listener;

import io.attache.dataplane.listenerfilter.ListenerFilterStats;
import io.attache.dataplane.proxy.ListenerContext;
import io.attache.dataplane.stats.Counter;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Everything the connections of one listener share: its running filter chains behind Envoy's chain
 * selection, and the listener-level stats ({@code no_filter_chain_match}, the listener filters').
 * Immutable; swapped whole on a config change, so a new connection takes the newest.
 */
public record ListenerRuntime(
    FilterChainSelector<ChainRuntime> chains,
    ListenerFilterStats listenerFilterStats,
    Counter noFilterChainMatch) {

  /** Every running chain, the default one last. */
  public List<ChainRuntime> all() {
    List<ChainRuntime> all = new ArrayList<>(chains.chains());
    chains.defaultChain().ifPresent(all::add);
    return all;
  }

  /** Every HTTP connection manager's stream state, in chain order. */
  public List<ListenerContext> httpContexts() {
    return all().stream().flatMap(c -> c.http().stream()).toList();
  }

  /** The HTTP chain known by {@code key} in this runtime, if it still has one. */
  Optional<ListenerContext> http(String key) {
    for (ChainRuntime c : all()) {
      if (c.key().equals(key)) {
        return c.http();
      }
    }
    return Optional.empty();
  }
}
