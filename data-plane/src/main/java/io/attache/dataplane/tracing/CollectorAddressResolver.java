package io.attache.dataplane.tracing;

import java.net.InetSocketAddress;
import java.util.Optional;

/**
 * Where the trace collector is: a host of the cluster named by {@code
 * grpc_service.envoy_grpc.cluster_name}, picked by whoever owns the clusters (the integrator wires
 * the cluster manager in). Called on the exporter thread before each export; must not block.
 */
@FunctionalInterface
public interface CollectorAddressResolver {
  /** A host to send to now, or empty when the cluster is unknown or has no usable host. */
  Optional<InetSocketAddress> resolve(String clusterName);
}
