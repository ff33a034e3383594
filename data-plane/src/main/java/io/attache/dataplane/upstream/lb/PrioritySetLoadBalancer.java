package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostSet;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The load balancer for one PrioritySet snapshot: picks a priority (overprovisioning factor, spill
 * to lower priorities, panic), then a locality when locality-weighted balancing is on, then a host
 * with the cluster's policy. Everything that depends only on the snapshot is computed in the
 * constructor; a membership change builds a new one. Thread-safe; a pick takes at most a short lock
 * (EDF state) and allocates nothing but the returned Optional.
 */
public final class PrioritySetLoadBalancer implements LoadBalancer {
  private final LbSettings settings;
  private final RandomSource random;
  private final Counter healthyPanic;
  private final PriorityLoad load;
  private final HostSource[] healthy;
  private final HostSource[] degraded;
  private final HostSource[] all;
  private final PriorityLoad.Choice onlyChoice;

  /**
   * @param healthyPanic counted each time a pick lands in a priority that is in panic ({@code
   *     lb_healthy_panic})
   */
  public PrioritySetLoadBalancer(
      PrioritySet prioritySet, LbSettings settings, RandomSource random, Counter healthyPanic) {
    this.settings = settings;
    this.random = random;
    this.healthyPanic = healthyPanic;
    this.load = PriorityLoad.compute(prioritySet, settings.healthyPanicThresholdPercent());
    List<HostSet> sets = prioritySet.hostSets();
    this.healthy = new HostSource[sets.size()];
    this.degraded = new HostSource[sets.size()];
    this.all = new HostSource[sets.size()];
    for (int p = 0; p < sets.size(); p++) {
      HostSet set = sets.get(p);
      healthy[p] = source(set, set.healthyHosts(), set.healthyHostsPerLocality(), true);
      degraded[p] = source(set, set.degradedHosts(), set.degradedHostsPerLocality(), true);
      all[p] =
          set.healthyHosts().size() == set.hosts().size() && !settings.localityWeighted()
              ? healthy[p]
              : source(set, set.hosts(), set.hostsPerLocality(), false);
    }
    this.onlyChoice = onlyChoice(load);
  }

  /** The priority split this balancer uses; for stats and the admin page. */
  public PriorityLoad priorityLoad() {
    return load;
  }

  @Override
  public Optional<Host> chooseHost(LbContext context) {
    if (all.length == 0) {
      return Optional.empty();
    }
    Host host = chooseOnce(context);
    for (int retry = 0;
        retry < context.hostSelectionRetryCount() && host != null && context.avoid().test(host);
        retry++) {
      host = chooseOnce(context);
    }
    return Optional.ofNullable(host);
  }

  private Host chooseOnce(LbContext context) {
    PriorityLoad.Choice choice = onlyChoice;
    if (choice == null) {
      // Envoy's ring hash lets the request hash pick the priority too, so one key keeps one host.
      long draw =
          settings.policy() == LbPolicy.RING_HASH && context.hash().isPresent()
              ? context.hash().getAsLong()
              : random.nextLong();
      choice = load.choose(draw);
    }
    int priority = choice.priority();
    if (load.panic()[priority]) {
      healthyPanic.inc();
      return all[priority].pick(context);
    }
    return choice.availability() == PriorityLoad.Availability.DEGRADED
        ? degraded[priority].pick(context)
        : healthy[priority].pick(context);
  }

  /** The single (priority, availability) that takes all load, or null when a draw is needed. */
  private static PriorityLoad.Choice onlyChoice(PriorityLoad load) {
    PriorityLoad.Choice only = null;
    int candidates = 0;
    for (int i = 0; i < load.healthyLoad().length; i++) {
      if (load.healthyLoad()[i] > 0) {
        candidates++;
        only = new PriorityLoad.Choice(i, PriorityLoad.Availability.HEALTHY);
      }
      if (load.degradedLoad()[i] > 0) {
        candidates++;
        only = new PriorityLoad.Choice(i, PriorityLoad.Availability.DEGRADED);
      }
    }
    return candidates == 1 ? only : null;
  }

  private HostSource source(
      HostSet set, List<Host> hosts, List<List<Host>> perLocality, boolean useLocalities) {
    if (hosts.isEmpty()) {
      return HostSource.EMPTY;
    }
    if (settings.policy() == LbPolicy.RING_HASH) {
      return new HostSource(ringPicker(set, hosts, perLocality), null, null);
    }
    HostPicker whole = picker(hosts);
    if (!settings.localityWeighted() || !useLocalities) {
      return new HostSource(whole, null, null);
    }
    // Envoy weighs a locality by its configured weight times its availability, the share of its
    // hosts that are eligible scaled by the overprovisioning factor and capped at 1.
    EdfScheduler<Integer> localities = new EdfScheduler<>();
    List<List<Host>> all = set.hostsPerLocality();
    HostPicker[] pickers = new HostPicker[perLocality.size()];
    double[] weights = new double[perLocality.size()];
    for (int i = 0; i < perLocality.size(); i++) {
      int total = all.get(i).size();
      double availability =
          total == 0
              ? 0
              : Math.min(
                  1.0, set.overprovisioningFactor() / 100.0 * perLocality.get(i).size() / total);
      weights[i] = set.localityWeight(i) * availability;
      pickers[i] = perLocality.get(i).isEmpty() ? HostPicker.EMPTY : picker(perLocality.get(i));
      localities.add(weights[i], i);
    }
    return localities.isEmpty()
        ? new HostSource(whole, null, null)
        : new HostSource(whole, localities, pickers, weights);
  }

  private HostPicker picker(List<Host> hosts) {
    return switch (settings.policy()) {
      case ROUND_ROBIN -> new RoundRobinPicker(hosts, random);
      case LEAST_REQUEST ->
          new LeastRequestPicker(
              hosts,
              settings.leastRequest().choiceCount(),
              settings.leastRequest().activeRequestBias(),
              random);
      case RANDOM -> new RandomPicker(hosts, random);
      case RING_HASH -> ringPicker(null, hosts, null);
      case CLUSTER_PROVIDED ->
          throw new IllegalStateException("a CLUSTER_PROVIDED cluster balances by itself");
    };
  }

  private HostPicker ringPicker(HostSet set, List<Host> hosts, List<List<Host>> perLocality) {
    long min = settings.ringHash().minimumRingSize();
    long max = settings.ringHash().maximumRingSize();
    if (set == null || !settings.localityWeighted()) {
      return new RingHashPicker(hosts, RingHashPicker.hostWeights(hosts), min, max, random);
    }
    // With locality weighting Envoy gives each locality its weight's share of the ring, split among
    // its hosts by host weight; localities of weight 0 get no points.
    long localitySum = 0;
    for (int i = 0; i < perLocality.size(); i++) {
      localitySum += set.localityWeight(i);
    }
    List<Host> flat = new ArrayList<>();
    List<Double> weights = new ArrayList<>();
    for (int i = 0; i < perLocality.size() && localitySum > 0; i++) {
      List<Host> members = perLocality.get(i);
      if (set.localityWeight(i) == 0 || members.isEmpty()) {
        continue;
      }
      double share = (double) set.localityWeight(i) / localitySum;
      long hostSum = members.stream().mapToLong(Host::weight).sum();
      for (Host host : members) {
        flat.add(host);
        weights.add(host.weight() * share / hostSum);
      }
    }
    return new RingHashPicker(
        flat, weights.stream().mapToDouble(Double::doubleValue).toArray(), min, max, random);
  }

  /** One list of eligible hosts of one priority, optionally split by locality. */
  private static final class HostSource {
    static final HostSource EMPTY = new HostSource(HostPicker.EMPTY, null, null);

    private final HostPicker whole;
    private final EdfScheduler<Integer> localities;
    private final HostPicker[] localityPickers;
    private final double[] localityWeights;
    private final java.util.function.ToDoubleFunction<Integer> localityWeight;

    HostSource(HostPicker whole, EdfScheduler<Integer> localities, HostPicker[] localityPickers) {
      this(whole, localities, localityPickers, null);
    }

    HostSource(
        HostPicker whole,
        EdfScheduler<Integer> localities,
        HostPicker[] pickers,
        double[] weights) {
      this.whole = whole;
      this.localities = localities;
      this.localityPickers = pickers;
      this.localityWeights = weights;
      this.localityWeight = i -> localityWeights[i];
    }

    Host pick(LbContext context) {
      if (localities == null) {
        return whole.pick(context);
      }
      int locality;
      synchronized (this) {
        locality = localities.pickAndAdd(localityWeight);
      }
      return localityPickers[locality].pick(context);
    }
  }
}
