package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.host.Host;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** A STATIC cluster's hosts: the configured IP addresses, published once. */
final class StaticHosts implements HostDiscovery {
  private final List<Host> hosts;
  private final Consumer<List<Host>> listener;

  StaticHosts(ClusterDefinition definition, Consumer<List<Host>> listener) {
    this.listener = listener;
    List<Host> built = new ArrayList<>();
    for (LocalityEndpoints locality : definition.loadAssignment().endpoints()) {
      for (EndpointDefinition endpoint : locality.lbEndpoints()) {
        built.add(Hosts.host(locality, endpoint, Hosts.literal(endpoint.address()), "", null));
      }
    }
    this.hosts = List.copyOf(built);
  }

  @Override
  public void start() {
    listener.accept(hosts);
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public void close() {}
}
