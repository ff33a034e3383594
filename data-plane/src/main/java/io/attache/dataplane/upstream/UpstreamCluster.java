package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.lb.LbSettings;
import io.attache.dataplane.upstream.lb.LoadBalancer;
import io.attache.dataplane.upstream.lb.PrioritySetLoadBalancer;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running upstream cluster: its definition, its current hosts and the load balancer over them,
 * and its stats. A membership change (DNS) builds a new host snapshot and balancer and swaps both
 * in with one write, so a pick always sees a consistent pair. Safe from any thread; never blocks an
 * event loop.
 */
public final class UpstreamCluster implements AutoCloseable {
  private record State(PrioritySet hosts, LoadBalancer loadBalancer) {}

  private final ClusterDefinition definition;
  private final UpstreamContext context;
  private final ClusterStats stats;
  private final LbSettings lbSettings;
  private final Map<Integer, Map<Locality, Integer>> localityWeights;
  private final AtomicReference<State> state =
      new AtomicReference<>(new State(PrioritySet.EMPTY, LoadBalancer.NO_HOSTS));
  private final HostDiscovery discovery;
  private final LoadBalancer loadBalancer =
      lbContext -> state.get().loadBalancer().chooseHost(lbContext);

  UpstreamCluster(ClusterDefinition definition, UpstreamContext context) {
    this.definition = definition;
    this.context = context;
    this.stats = new ClusterStats(context.stats(), definition.name());
    this.lbSettings = LbSettings.from(definition);
    this.localityWeights = Hosts.localityWeights(definition);
    this.discovery =
        switch (definition.type()) {
          case STATIC -> new StaticHosts(definition, this::updateHosts);
          case STRICT_DNS -> new StrictDnsHosts(definition, context, stats, this::updateHosts);
          case LOGICAL_DNS -> new LogicalDnsHost(definition, context, stats, this::updateHosts);
        };
  }

  /** Publishes static hosts or starts resolving DNS names; returns at once. */
  void start() {
    discovery.start();
  }

  public String name() {
    return definition.name();
  }

  public ClusterDefinition definition() {
    return definition;
  }

  public ClusterStats stats() {
    return stats;
  }

  /** The current host snapshot; a later DNS change replaces it, never mutates it. */
  public PrioritySet prioritySet() {
    return state.get().hosts();
  }

  /** The cluster's balancer; always picks from the current snapshot, so callers may keep it. */
  public LoadBalancer loadBalancer() {
    return loadBalancer;
  }

  /** Completes when the cluster has its first hosts (or its first DNS attempt failed). */
  public CompletableFuture<Void> initialized() {
    return discovery.initialized();
  }

  private synchronized void updateHosts(List<Host> hosts) {
    PrioritySet previous = state.get().hosts();
    PrioritySet next =
        PrioritySet.of(
            hosts, localityWeights, definition.loadAssignment().overprovisioningFactor());
    LoadBalancer balancer =
        new PrioritySetLoadBalancer(next, lbSettings, context.random(), stats.lbHealthyPanic());
    state.set(new State(next, balancer));
    if (!Hosts.sameAddresses(previous.allHosts(), next.allHosts())) {
      stats.membershipChange().inc();
    }
    stats.onMembership(next);
  }

  @Override
  public void close() {
    discovery.close();
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "%s(%s, %d hosts)",
        definition.name(),
        definition.type(),
        prioritySet().allHosts().size());
  }
}
