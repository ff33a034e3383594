package io.attache.controlplane.policy;

import java.util.List;

/**
 * What applying a declarative set did (or, in a dry run, would do): every resource of the set and
 * every pruned one, with its action. {@code revision} is the new revision when one was committed,
 * else the revision the set was compared against ({@code committed} false: a dry run, or a set that
 * changed nothing).
 */
public record ApplyResult(
    long baseRevision, long revision, boolean committed, List<ResourceChange> changes) {

  /** Whether anything would change (or did). */
  public boolean changesAnything() {
    return changes.stream().anyMatch(c -> c.action() != ResourceChange.Action.UNCHANGED);
  }

  /** "2 created, 1 configured, 3 unchanged": the revision summary and the CLI's last line. */
  public String summary() {
    java.util.Map<ResourceChange.Action, Long> counts =
        new java.util.EnumMap<>(ResourceChange.Action.class);
    changes.forEach(c -> counts.merge(c.action(), 1L, Long::sum));
    StringBuilder out = new StringBuilder();
    counts.forEach(
        (action, count) ->
            out.append(out.length() == 0 ? "" : ", ")
                .append(count)
                .append(' ')
                .append(action.label()));
    return out.length() == 0 ? "nothing" : out.toString();
  }
}
