package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * ROUND_ROBIN over one host list, as Envoy does it: plain rotation when all weights are equal,
 * earliest-deadline-first by weight otherwise. The starting point is random so that many proxies do
 * not all hit the first host together. Thread-safe.
 */
final class RoundRobinPicker implements HostPicker {
  private final Host[] hosts;
  private final AtomicLong next;
  private final EdfScheduler<Host> weighted;

  RoundRobinPicker(List<Host> hosts, RandomSource random) {
    this.hosts = hosts.toArray(Host[]::new);
    long start = this.hosts.length == 0 ? 0 : random.nextLong(this.hosts.length);
    this.next = new AtomicLong(start);
    if (allWeightsEqual(hosts)) {
      this.weighted = null;
    } else {
      this.weighted = new EdfScheduler<>();
      for (Host host : hosts) {
        weighted.add(host.weight(), host);
      }
      for (long i = 0; i < start; i++) {
        weighted.pickAndAdd(Host::weight);
      }
    }
  }

  static boolean allWeightsEqual(List<Host> hosts) {
    for (Host host : hosts) {
      if (host.weight() != hosts.get(0).weight()) {
        return false;
      }
    }
    return true;
  }

  @Override
  public Host pick(LbContext context) {
    if (hosts.length == 0) {
      return null;
    }
    if (weighted == null) {
      return hosts[(int) Long.remainderUnsigned(next.getAndIncrement(), hosts.length)];
    }
    synchronized (this) {
      return weighted.pickAndAdd(Host::weight);
    }
  }
}
