package io.attache.dataplane.listener;

import io.attache.dataplane.listener.FilterChainMatchRule.Criterion;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.matcher.ConnectionData;
import io.attache.dataplane.matcher.HeaderSource;
import io.attache.dataplane.matcher.MatchingData;
import io.attache.dataplane.matcher.UnifiedMatcher;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Picks a connection's filter chain as Envoy does. With a listener {@code filter_chain_matcher},
 * the matcher decides alone: its action names the chain (a name no chain has closes the
 * connection), no match takes the {@code default_filter_chain}, and the chains' {@code
 * filter_chain_match} is not looked at. Otherwise criterion by criterion in Envoy's order
 * (destination port, destination IP, server name, transport protocol, application protocols,
 * directly connected source IP, source type, source IP, source port), keeping at each step the
 * chains that match most specifically, or — only when no chain sets the criterion to something the
 * connection matches — the chains that leave it unset. It never backtracks: a connection that
 * matches a specific entry at one step but nothing after it gets the {@code default_filter_chain}
 * (or is closed), not a less specific chain. Immutable and thread-safe.
 *
 * @param <T> what a filter chain is to the caller (its config, its running context)
 */
public final class FilterChainSelector<T> {
  /** A matcher action naming no chain of the listener: Envoy closes such a connection. */
  static final int ABSENT_CHAIN = -1;

  private final List<FilterChainMatchRule> rules;
  private final UnifiedMatcher<Integer> matcher;
  private final List<T> chains;
  private final Optional<T> defaultChain;

  FilterChainSelector(List<FilterChainMatchRule> rules, List<T> chains, Optional<T> defaultChain) {
    this(rules, null, chains, defaultChain);
  }

  /**
   * Chooses by {@code matcher}, whose actions are indexes into {@code chains} (or {@link
   * #ABSENT_CHAIN}).
   */
  FilterChainSelector(UnifiedMatcher<Integer> matcher, List<T> chains, Optional<T> defaultChain) {
    this(List.of(), matcher, chains, defaultChain);
  }

  private FilterChainSelector(
      List<FilterChainMatchRule> rules,
      UnifiedMatcher<Integer> matcher,
      List<T> chains,
      Optional<T> defaultChain) {
    if (matcher == null && rules.size() != chains.size()) {
      throw new IllegalArgumentException("one rule per chain");
    }
    this.rules = List.copyOf(rules);
    this.matcher = matcher;
    this.chains = List.copyOf(chains);
    this.defaultChain = defaultChain;
  }

  /** The same matching over other per-chain values (a context per chain, built later). */
  public <U> FilterChainSelector<U> map(List<U> values, Optional<U> defaultValue) {
    return new FilterChainSelector<>(rules, matcher, values, defaultValue);
  }

  /** The chain for {@code connection}, the default chain, or empty: the connection is closed. */
  public Optional<T> select(ConnectionProperties connection) {
    if (matcher != null) {
      // Every network input has its data once the listener filters are done: this decides.
      UnifiedMatcher.Result<Integer> result = matcher.match(new OnConnection(connection));
      if (!result.matched()) {
        return defaultChain;
      }
      int index = result.action();
      return index == ABSENT_CHAIN ? Optional.empty() : Optional.of(chains.get(index));
    }
    List<Integer> candidates = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      candidates.add(i);
    }
    for (Criterion criterion : Criterion.values()) {
      int best = FilterChainMatchRule.NO_MATCH;
      List<Integer> kept = new ArrayList<>();
      for (int i : candidates) {
        int s = rules.get(i).specificity(criterion, connection);
        if (s > best) {
          best = s;
          kept.clear();
        }
        if (s == best && s != FilterChainMatchRule.NO_MATCH) {
          kept.add(i);
        }
      }
      if (kept.isEmpty()) {
        return defaultChain;
      }
      candidates = kept;
    }
    return Optional.of(chains.get(candidates.get(0)));
  }

  /** A connection as the matcher's network inputs read it. */
  private record OnConnection(ConnectionData connection) implements MatchingData {
    @Override
    public HeaderSource requestHeaders() {
      return null;
    }

    @Override
    public HeaderSource responseHeaders() {
      return null;
    }
  }

  public List<T> chains() {
    return chains;
  }

  public Optional<T> defaultChain() {
    return defaultChain;
  }
}
