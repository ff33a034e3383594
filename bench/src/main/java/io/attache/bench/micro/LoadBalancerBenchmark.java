package io.attache.bench.micro;

import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.host.PrioritySet;
import io.attache.dataplane.upstream.lb.LbContext;
import io.attache.dataplane.upstream.lb.LbPolicy;
import io.attache.dataplane.upstream.lb.LbSettings;
import io.attache.dataplane.upstream.lb.PrioritySetLoadBalancer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One host pick from a 10-host cluster with each load-balancing policy, with equal weights and with
 * weights 1..10 (which moves round robin and least request to their EDF / weighted paths).
 * Benchmark code only; never on the proxy's class path.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class LoadBalancerBenchmark {
  @Param({"ROUND_ROBIN", "LEAST_REQUEST", "RANDOM", "RING_HASH"})
  public LbPolicy policy;

  @Param({"equal", "weighted"})
  public String weights;

  private PrioritySetLoadBalancer balancer;

  @Setup
  public void build() throws Exception {
    List<Host> hosts = new ArrayList<>();
    for (int i = 1; i <= 10; i++) {
      InetSocketAddress address =
          new InetSocketAddress(InetAddress.getByAddress(new byte[] {10, 0, 0, (byte) i}), 80);
      int weight = weights.equals("equal") ? 1 : i;
      hosts.add(
          new Host(address, "", weight, Locality.NONE, 0, HostHealth.HEALTHY, new HostStats()));
    }
    balancer =
        new PrioritySetLoadBalancer(
            PrioritySet.of(hosts, Map.of(), 140),
            LbSettings.of(policy),
            RandomSource.SYSTEM,
            new StatsStore().counter("cluster.bench.lb_healthy_panic"));
  }

  @Benchmark
  public Optional<Host> pick() {
    LbContext context =
        policy == LbPolicy.RING_HASH
            ? LbContext.withHash(ThreadLocalRandom.current().nextLong())
            : LbContext.NONE;
    return balancer.chooseHost(context);
  }
}
