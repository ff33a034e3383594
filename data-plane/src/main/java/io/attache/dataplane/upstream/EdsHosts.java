package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.LoadAssignment;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.host.Host;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/**
 * An EDS cluster's hosts: each ClusterLoadAssignment pushed by the control plane replaces the host
 * list. A host whose address stays keeps its stats and health flags (outlier ejections, failed
 * active checks), as Envoy keeps a host across EDS updates. Starts with no hosts; never blocks.
 */
final class EdsHosts implements HostDiscovery {
  private final Consumer<LoadAssignment> assignments;
  private final Consumer<List<Host>> listener;
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();
  private List<Host> hosts = List.of();
  private boolean closed;

  /**
   * @param assignments told of the new assignment (locality weights, overprovisioning) just before
   *     its hosts are published
   */
  EdsHosts(Consumer<LoadAssignment> assignments, Consumer<List<Host>> listener) {
    this.assignments = assignments;
    this.listener = listener;
  }

  @Override
  public void start() {
    // Nothing to publish until the first assignment arrives.
  }

  /** Replaces the hosts with those of {@code assignment}, validated by its parser already. */
  synchronized void update(LoadAssignment assignment) {
    if (closed) {
      return;
    }
    List<Host> fresh = new ArrayList<>();
    for (LocalityEndpoints locality : assignment.endpoints()) {
      for (EndpointDefinition endpoint : locality.lbEndpoints()) {
        InetAddress address = Hosts.literal(endpoint.address());
        Host previous = Hosts.sameAddress(new InetSocketAddress(address, endpoint.port()), hosts);
        fresh.add(Hosts.host(locality, endpoint, address, "", previous));
      }
    }
    hosts = List.copyOf(fresh);
    assignments.accept(assignment);
    listener.accept(hosts);
    initialized.complete(null);
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return initialized;
  }

  @Override
  public synchronized void close() {
    closed = true;
  }
}
