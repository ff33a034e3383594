package io.attache.dataplane.upstream.host;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The hosts of one priority level, split by health and by locality, as one immutable snapshot.
 * Built once per membership or health change and never mutated, so a load balancer may precompute
 * on it. Each host's health is read once, when the set is built.
 */
public final class HostSet {
  private final int priority;
  private final int overprovisioningFactor;
  private final List<Host> hosts;
  private final List<Host> healthyHosts;
  private final List<Host> degradedHosts;
  private final List<Host> excludedHosts;
  private final List<Locality> localities;
  private final int[] localityWeights;
  private final List<List<Host>> hostsPerLocality;
  private final List<List<Host>> healthyHostsPerLocality;
  private final List<List<Host>> degradedHostsPerLocality;

  /**
   * @param localityWeights {@code load_balancing_weight} of each locality of this priority; a
   *     locality absent from the map (or with 0) gets no traffic under locality-weighted balancing
   */
  public HostSet(
      int priority,
      List<Host> hosts,
      Map<Locality, Integer> localityWeights,
      int overprovisioningFactor) {
    this.priority = priority;
    this.overprovisioningFactor = overprovisioningFactor;
    this.hosts = List.copyOf(hosts);
    // Read each host's flags once so every list below agrees even while flags change.
    Map<Host, HostHealth> health = new java.util.IdentityHashMap<>();
    for (Host host : hosts) {
      health.put(host, host.excluded() ? null : host.coarseHealth());
    }
    this.healthyHosts = hosts.stream().filter(h -> health.get(h) == HostHealth.HEALTHY).toList();
    this.degradedHosts = hosts.stream().filter(h -> health.get(h) == HostHealth.DEGRADED).toList();
    this.excludedHosts = hosts.stream().filter(h -> health.get(h) == null).toList();
    Map<Locality, List<Host>> byLocality = new LinkedHashMap<>();
    for (Host host : hosts) {
      byLocality.computeIfAbsent(host.locality(), l -> new ArrayList<>()).add(host);
    }
    this.localities = List.copyOf(byLocality.keySet());
    this.localityWeights = new int[localities.size()];
    List<List<Host>> all = new ArrayList<>();
    List<List<Host>> healthy = new ArrayList<>();
    List<List<Host>> degraded = new ArrayList<>();
    for (int i = 0; i < localities.size(); i++) {
      Locality locality = localities.get(i);
      this.localityWeights[i] = localityWeights.getOrDefault(locality, 0);
      List<Host> members = byLocality.get(locality);
      all.add(List.copyOf(members));
      healthy.add(members.stream().filter(h -> health.get(h) == HostHealth.HEALTHY).toList());
      degraded.add(members.stream().filter(h -> health.get(h) == HostHealth.DEGRADED).toList());
    }
    this.hostsPerLocality = List.copyOf(all);
    this.healthyHostsPerLocality = List.copyOf(healthy);
    this.degradedHostsPerLocality = List.copyOf(degraded);
  }

  public static HostSet empty(int priority, int overprovisioningFactor) {
    return new HostSet(priority, List.of(), Map.of(), overprovisioningFactor);
  }

  public int priority() {
    return priority;
  }

  /** {@code policy.overprovisioning_factor}, in percent (Envoy's default 140). */
  public int overprovisioningFactor() {
    return overprovisioningFactor;
  }

  public List<Host> hosts() {
    return hosts;
  }

  public List<Host> healthyHosts() {
    return healthyHosts;
  }

  public List<Host> degradedHosts() {
    return degradedHosts;
  }

  /**
   * Hosts left out of load balancing and of the health percentages (e.g. {@code
   * PENDING_ACTIVE_HC}); still listed in {@link #hosts()}.
   */
  public List<Host> excludedHosts() {
    return excludedHosts;
  }

  /** How many hosts count towards this priority's health: all but the excluded ones. */
  public int countedHosts() {
    return hosts.size() - excludedHosts.size();
  }

  public List<Locality> localities() {
    return localities;
  }

  public int localityWeight(int localityIndex) {
    return localityWeights[localityIndex];
  }

  public List<List<Host>> hostsPerLocality() {
    return hostsPerLocality;
  }

  public List<List<Host>> healthyHostsPerLocality() {
    return healthyHostsPerLocality;
  }

  public List<List<Host>> degradedHostsPerLocality() {
    return degradedHostsPerLocality;
  }
}
