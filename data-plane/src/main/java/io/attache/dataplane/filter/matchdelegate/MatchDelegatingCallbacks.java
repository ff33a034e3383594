package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamEncoderFilter;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.matcher.UnifiedMatcher;
import java.util.Map;

/**
 * Where a wrapped filter's factory puts its instances for one stream: each instance goes into the
 * real chain inside a {@link MatchDelegatingFilter}, on the same side(s) it asked for (Envoy's
 * {@code DelegatingFactoryCallbacks}). Lives only while the factory runs.
 */
final class MatchDelegatingCallbacks implements FilterChainFactoryCallbacks {
  private final FilterChainFactoryCallbacks chain;
  private final UnifiedMatcher<FilterMatchAction> matcher;
  private final Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> executes;

  MatchDelegatingCallbacks(
      FilterChainFactoryCallbacks chain,
      UnifiedMatcher<FilterMatchAction> matcher,
      Map<FilterMatchAction.ExecuteFilter, HttpFilterFactory> executes) {
    this.chain = chain;
    this.matcher = matcher;
    this.executes = executes;
  }

  @Override
  public void addStreamDecoderFilter(StreamDecoderFilter filter) {
    chain.addStreamDecoderFilter(new MatchDelegatingFilter(matcher, executes, filter, null));
  }

  @Override
  public void addStreamEncoderFilter(StreamEncoderFilter filter) {
    chain.addStreamEncoderFilter(new MatchDelegatingFilter(matcher, executes, null, filter));
  }

  @Override
  public void addStreamFilter(StreamFilter filter) {
    chain.addStreamFilter(new MatchDelegatingFilter(matcher, executes, filter, filter));
  }
}
