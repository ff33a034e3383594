package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.ConfiguredHttpFilter;

/**
 * An action of an {@code ExtensionWithMatcher}'s match tree, parsed: {@code SkipFilter} or the
 * composite filter's {@code ExecuteFilterAction}. Immutable; never holds per-listener state (the
 * running factory of an {@link ExecuteFilter} is made per listener, keyed by the action's
 * identity).
 */
sealed interface FilterMatchAction {
  String SKIP_FILTER_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.common.matcher.action.v3.SkipFilter";
  String EXECUTE_FILTER_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.composite.v3.ExecuteFilterAction";

  /** {@code SkipFilter}: the wrapped filter does not run for the rest of the stream. */
  enum Skip implements FilterMatchAction {
    INSTANCE
  }

  /**
   * {@code ExecuteFilterAction}: the composite filter runs {@code filter} for this stream. Compared
   * by identity: each occurrence in the tree is its own action.
   */
  final class ExecuteFilter implements FilterMatchAction {
    private final ConfiguredHttpFilter<?> filter;

    ExecuteFilter(ConfiguredHttpFilter<?> filter) {
      this.filter = filter;
    }

    ConfiguredHttpFilter<?> filter() {
      return filter;
    }
  }
}
