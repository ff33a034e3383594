package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.host.HealthFlag;
import io.attache.dataplane.upstream.host.HealthFlags;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.host.PrioritySet;
import io.attache.dataplane.upstream.lb.LbSettings;
import io.attache.dataplane.upstream.lb.LoadBalancer;
import io.attache.dataplane.upstream.lb.PrioritySetLoadBalancer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * One running upstream cluster: its definition, its current hosts and the load balancer over them,
 * and its stats. A membership change (DNS) or a change of a host's health flags (active health
 * checking, outlier detection) builds a new host snapshot and balancer and swaps both in with one
 * write, so a pick always sees a consistent pair. Safe from any thread; rebuilds hold this object's
 * lock only while building and never block an event loop on I/O.
 */
public final class UpstreamCluster implements AutoCloseable {
  private record State(PrioritySet hosts, LoadBalancer loadBalancer) {}

  private final ClusterDefinition definition;
  private final UpstreamContext context;
  private final ClusterStats stats;
  private final LbSettings lbSettings;
  // Replaced by each EDS assignment; read under this object's lock in rebuild.
  private Map<Integer, Map<Locality, Integer>> localityWeights;
  private int overprovisioningFactor;
  private final AtomicReference<State> state =
      new AtomicReference<>(new State(PrioritySet.EMPTY, LoadBalancer.NO_HOSTS));
  private final HostDiscovery discovery;
  private final LoadBalancer loadBalancer =
      lbContext -> state.get().loadBalancer().chooseHost(lbContext);
  private final boolean activeHealthChecked;
  private final boolean ignoreNewHostsUntilFirstHc;
  private final List<MembershipListener> membershipListeners = new CopyOnWriteArrayList<>();
  private final List<Consumer<PrioritySet>> healthListeners = new CopyOnWriteArrayList<>();
  // Guarded by this: flag changes made inside batchHealthUpdates wait for one rebuild at its end.
  private int batchDepth;
  private boolean rebuildDeferred;

  /** Told which hosts joined and left; the outlier detector and health checker track hosts so. */
  @FunctionalInterface
  public interface MembershipListener {
    /**
     * Called with this cluster's lock held, right after the new hosts are in use; must be quick and
     * must not wait for another thread that takes this cluster's lock.
     */
    void onMembershipChange(List<Host> added, List<Host> removed);
  }

  UpstreamCluster(ClusterDefinition definition, UpstreamContext context) {
    this.definition = definition;
    this.context = context;
    this.stats = new ClusterStats(context.stats(), definition.name());
    this.lbSettings = definition.lbSettings();
    this.localityWeights = Hosts.localityWeights(definition.loadAssignment());
    this.overprovisioningFactor = definition.loadAssignment().overprovisioningFactor();
    this.activeHealthChecked = !definition.healthChecks().isEmpty();
    this.ignoreNewHostsUntilFirstHc =
        definition.source().getCommonLbConfig().getIgnoreNewHostsUntilFirstHc();
    this.discovery =
        switch (definition.type()) {
          case STATIC -> new StaticHosts(definition, this::updateHosts);
          case STRICT_DNS -> new StrictDnsHosts(definition, context, stats, this::updateHosts);
          case LOGICAL_DNS -> new LogicalDnsHost(definition, context, stats, this::updateHosts);
          case EDS -> new EdsHosts(this::assignmentChanged, this::updateHosts);
          case ORIGINAL_DST -> new OriginalDstHosts(definition, context, stats, this::updateHosts);
        };
  }

  /** Publishes static hosts or starts resolving DNS names; returns at once. */
  public void start() {
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

  /**
   * Replaces an EDS cluster's hosts with those of a ClusterLoadAssignment parsed by {@link
   * ClusterDefinition#loadAssignmentFrom}; hosts whose address stays keep their stats and flags.
   *
   * @throws IllegalStateException when this cluster is not of type EDS
   */
  public void updateLoadAssignment(ClusterDefinition.LoadAssignment assignment) {
    if (!(discovery instanceof EdsHosts eds)) {
      throw new IllegalStateException("cluster " + name() + " is not an EDS cluster");
    }
    eds.update(assignment);
  }

  private synchronized void assignmentChanged(ClusterDefinition.LoadAssignment assignment) {
    localityWeights = Hosts.localityWeights(assignment);
    overprovisioningFactor = assignment.overprovisioningFactor();
  }

  private synchronized void updateHosts(List<Host> hosts) {
    PrioritySet previous = state.get().hosts();
    List<Host> added = new ArrayList<>();
    for (Host host : hosts) {
      if (Hosts.sameAddress(host.address(), previous.allHosts()) == null) {
        added.add(host);
      }
    }
    List<Host> removed = new ArrayList<>();
    for (Host host : previous.allHosts()) {
      if (Hosts.sameAddress(host.address(), hosts) == null) {
        removed.add(host);
      }
    }
    if (activeHealthChecked) {
      // As in Envoy: a host of an actively checked cluster counts as failed until its first check
      // passes; with ignore_new_hosts_until_first_hc a discovered host is not even counted (the
      // configured hosts of a STATIC cluster are only marked failed, as Envoy's startPreInit does).
      for (Host host : added) {
        host.healthFlags().set(HealthFlag.FAILED_ACTIVE_HC);
        if (ignoreNewHostsUntilFirstHc
            && definition.type() != ClusterDefinition.DiscoveryType.STATIC) {
          host.healthFlags().set(HealthFlag.PENDING_ACTIVE_HC);
        }
      }
    }
    rebuild(hosts);
    if (!Hosts.sameAddresses(previous.allHosts(), state.get().hosts().allHosts())) {
      stats.membershipChange().inc();
    }
    if (!added.isEmpty() || !removed.isEmpty()) {
      List<Host> addedView = List.copyOf(added);
      List<Host> removedView = List.copyOf(removed);
      membershipListeners.forEach(l -> l.onMembershipChange(addedView, removedView));
    }
  }

  /** Builds the host sets and balancer from {@code hosts} as their flags are now; one swap. */
  private synchronized void rebuild(List<Host> hosts) {
    PrioritySet next = PrioritySet.of(hosts, localityWeights, overprovisioningFactor);
    LoadBalancer balancer =
        discovery instanceof OriginalDstHosts clusterProvided
            ? clusterProvided
            : new PrioritySetLoadBalancer(
                next, lbSettings, context.random(), stats.lbHealthyPanic());
    state.set(new State(next, balancer));
    stats.onMembership(next);
    healthListeners.forEach(l -> l.accept(next));
  }

  /**
   * Sets one runtime health flag of {@code host} (a host of this cluster) and, when that changed
   * it, rebuilds the host sets so the next pick sees it.
   */
  public HealthFlags.Change setHealthFlag(Host host, HealthFlag flag) {
    HealthFlags.Change change = host.healthFlags().set(flag);
    if (change == HealthFlags.Change.CHANGED) {
      healthChanged();
    }
    return change;
  }

  /** Clears one runtime health flag; rebuilds when that changed it. */
  public HealthFlags.Change clearHealthFlag(Host host, HealthFlag flag) {
    HealthFlags.Change change = host.healthFlags().clear(flag);
    if (change == HealthFlags.Change.CHANGED) {
      healthChanged();
    }
    return change;
  }

  /**
   * Runs {@code changes} (flag sets and clears) and rebuilds at most once, at the end, however many
   * flags changed: an outlier sweep that ejects three hosts swaps the balancer once.
   */
  public void batchHealthUpdates(Runnable changes) {
    synchronized (this) {
      batchDepth++;
    }
    try {
      changes.run();
    } finally {
      synchronized (this) {
        if (--batchDepth == 0 && rebuildDeferred) {
          rebuildDeferred = false;
          rebuild(state.get().hosts().allHosts());
        }
      }
    }
  }

  private synchronized void healthChanged() {
    if (batchDepth > 0) {
      rebuildDeferred = true;
      return;
    }
    rebuild(state.get().hosts().allHosts());
  }

  /**
   * Registers a listener for host arrivals and departures and, before returning, tells it about
   * every current host (as added), so it never misses one.
   */
  public synchronized void addMembershipListener(MembershipListener listener) {
    membershipListeners.add(listener);
    List<Host> current = state.get().hosts().allHosts();
    if (!current.isEmpty()) {
      listener.onMembershipChange(List.copyOf(current), List.of());
    }
  }

  /**
   * Registers a listener told of every new host snapshot (membership or health change), with this
   * cluster's lock held; it must be quick. It is called once now with the current snapshot.
   */
  public synchronized void addHealthListener(Consumer<PrioritySet> listener) {
    healthListeners.add(listener);
    listener.accept(state.get().hosts());
  }

  /** The balancing settings, e.g. {@code healthy_panic_threshold} rounded as Envoy rounds it. */
  public LbSettings lbSettings() {
    return lbSettings;
  }

  /** Whether {@code health_checks} is configured (new hosts start as FAILED_ACTIVE_HC). */
  public boolean activeHealthChecked() {
    return activeHealthChecked;
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
