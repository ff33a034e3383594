package io.attache.dataplane.upstream.host;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * All hosts of a cluster as one immutable snapshot, one {@link HostSet} per priority (0 is the most
 * preferred; a priority without hosts is an empty set). A membership change builds a new
 * PrioritySet and swaps it in whole, so readers never see half an update.
 */
public final class PrioritySet {
  public static final PrioritySet EMPTY = new PrioritySet(List.of());

  private final List<HostSet> hostSets;

  public PrioritySet(List<HostSet> hostSets) {
    for (int i = 0; i < hostSets.size(); i++) {
      if (hostSets.get(i).priority() != i) {
        throw new IllegalArgumentException(
            "host set " + i + " has priority " + hostSets.get(i).priority());
      }
    }
    this.hostSets = List.copyOf(hostSets);
  }

  /**
   * Groups hosts by their priority.
   *
   * @param localityWeights per priority, the weight of each locality
   */
  public static PrioritySet of(
      List<Host> hosts,
      Map<Integer, Map<Locality, Integer>> localityWeights,
      int overprovisioningFactor) {
    int maxPriority = -1;
    for (Host host : hosts) {
      maxPriority = Math.max(maxPriority, host.priority());
    }
    for (int priority : localityWeights.keySet()) {
      maxPriority = Math.max(maxPriority, priority);
    }
    Map<Integer, List<Host>> byPriority = new HashMap<>();
    for (Host host : hosts) {
      byPriority.computeIfAbsent(host.priority(), p -> new ArrayList<>()).add(host);
    }
    List<HostSet> sets = new ArrayList<>();
    for (int p = 0; p <= maxPriority; p++) {
      sets.add(
          new HostSet(
              p,
              byPriority.getOrDefault(p, List.of()),
              localityWeights.getOrDefault(p, Map.of()),
              overprovisioningFactor));
    }
    return new PrioritySet(sets);
  }

  public List<HostSet> hostSets() {
    return hostSets;
  }

  /** Every host of every priority, highest priority first. */
  public List<Host> allHosts() {
    List<Host> all = new ArrayList<>();
    for (HostSet set : hostSets) {
      all.addAll(set.hosts());
    }
    return all;
  }

  public boolean isEmpty() {
    return hostSets.stream().allMatch(s -> s.hosts().isEmpty());
  }
}
