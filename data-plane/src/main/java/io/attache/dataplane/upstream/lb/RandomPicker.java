package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import java.util.List;

/** RANDOM over one host list: uniform, ignoring weights, as Envoy's random balancer does. */
final class RandomPicker implements HostPicker {
  private final Host[] hosts;
  private final RandomSource random;

  RandomPicker(List<Host> hosts, RandomSource random) {
    this.hosts = hosts.toArray(Host[]::new);
    this.random = random;
  }

  @Override
  public Host pick(LbContext context) {
    return hosts.length == 0 ? null : hosts[random.nextInt(hosts.length)];
  }
}
