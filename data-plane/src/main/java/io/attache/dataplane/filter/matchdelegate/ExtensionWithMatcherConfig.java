package io.attache.dataplane.filter.matchdelegate;

import io.attache.dataplane.filter.ConfiguredHttpFilter;
import io.attache.dataplane.matcher.UnifiedMatcher;
import java.util.List;

/**
 * A parsed {@code ExtensionWithMatcher}: the wrapped filter, its compiled match tree, and every
 * {@code ExecuteFilterAction} of the tree (their running factories are made per listener).
 * Immutable.
 */
public record ExtensionWithMatcherConfig(
    ConfiguredHttpFilter<?> filter,
    UnifiedMatcher<FilterMatchAction> matcher,
    List<FilterMatchAction.ExecuteFilter> executeActions) {}
