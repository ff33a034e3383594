package io.attache.dataplane.ratelimit;

import java.util.ArrayList;
import java.util.List;

/**
 * One compiled {@code config.route.v3.RateLimit} (Envoy's {@code RateLimitPolicyEntry}): its stage,
 * its {@code disable_key} and its actions, which together make one descriptor of a request.
 * Immutable and shared by every request.
 *
 * @param stage the filter stage the entry applies to (0 to 10)
 * @param disableKey the runtime key that would disable the entry; empty when unset
 */
public record RateLimitPolicyEntry(int stage, String disableKey, List<DescriptorAction> actions) {
  public RateLimitPolicyEntry {
    actions = List.copyOf(actions);
  }

  /**
   * The descriptor the actions make of {@code request}, in action order; null when an action yields
   * nothing (no descriptor then, as in Envoy) or when every action was skipped.
   */
  public List<DescriptorEntry> descriptor(RateLimitedRequest request) {
    List<DescriptorEntry> entries = new ArrayList<>(actions.size());
    for (DescriptorAction action : actions) {
      DescriptorEntry entry = action.entry(request);
      if (entry == null) {
        return null;
      }
      if (entry != DescriptorAction.SKIP) {
        entries.add(entry);
      }
    }
    return entries.isEmpty() ? null : List.copyOf(entries);
  }
}
