package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * LEAST_REQUEST over one host list, as Envoy does it. Equal weights: sample {@code choice_count}
 * hosts at random (with replacement) and keep the one with the fewest active requests, the first
 * sampled winning ties. Unequal weights: earliest-deadline-first with each host's weight divided by
 * {@code (active_requests + 1) ^ active_request_bias} at the time it is rescheduled. Thread-safe.
 */
final class LeastRequestPicker implements HostPicker {
  private final Host[] hosts;
  private final int choiceCount;
  private final RandomSource random;
  private final EdfScheduler<Host> weighted;
  private final ToDoubleFunction<Host> dynamicWeight;

  LeastRequestPicker(
      List<Host> hosts, int choiceCount, double activeRequestBias, RandomSource random) {
    this.hosts = hosts.toArray(Host[]::new);
    this.choiceCount = choiceCount;
    this.random = random;
    this.dynamicWeight = host -> dynamicWeight(host, activeRequestBias);
    if (RoundRobinPicker.allWeightsEqual(hosts)) {
      this.weighted = null;
    } else {
      this.weighted = new EdfScheduler<>();
      for (Host host : hosts) {
        weighted.add(dynamicWeight.applyAsDouble(host), host);
      }
    }
  }

  static double dynamicWeight(Host host, double bias) {
    if (bias == 0.0) {
      return host.weight();
    }
    double load = host.activeRequests() + 1.0;
    return bias == 1.0 ? host.weight() / load : host.weight() / Math.pow(load, bias);
  }

  @Override
  public Host pick(LbContext context) {
    if (hosts.length == 0) {
      return null;
    }
    if (weighted != null) {
      synchronized (this) {
        return weighted.pickAndAdd(dynamicWeight);
      }
    }
    Host candidate = hosts[random.nextInt(hosts.length)];
    for (int i = 1; i < choiceCount; i++) {
      Host sampled = hosts[random.nextInt(hosts.length)];
      if (sampled.activeRequests() < candidate.activeRequests()) {
        candidate = sampled;
      }
    }
    return candidate;
  }
}
