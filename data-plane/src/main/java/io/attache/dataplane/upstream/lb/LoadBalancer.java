package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.upstream.host.Host;
import java.util.Optional;

/**
 * Picks the host for one request. Safe to call from any event loop at once; never blocks beyond a
 * short lock, never does I/O and allocates nothing per pick beyond the returned Optional.
 */
@FunctionalInterface
public interface LoadBalancer {
  /** A balancer with no hosts, for a cluster that has none (yet). */
  LoadBalancer NO_HOSTS = context -> Optional.empty();

  /** The host to use, or empty when the cluster has no usable host ("no healthy upstream"). */
  Optional<Host> chooseHost(LbContext context);
}
