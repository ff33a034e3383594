package io.attache.dataplane.filter;

import java.util.function.BooleanSupplier;

/**
 * What a filter may know of the proxy as a whole (Envoy's local info and server health state): its
 * service cluster ({@code node.cluster}) and whether it is failing health checks on purpose ({@code
 * /healthcheck/fail}, or draining). Immutable; the flag is read live.
 *
 * @param serviceCluster {@code node.cluster}; empty when not set
 * @param healthCheckFailed true while the proxy fails inbound health checks
 */
public record LocalServer(String serviceCluster, BooleanSupplier healthCheckFailed) {
  /** A proxy without a service cluster that never fails health checks (tests). */
  public static final LocalServer HEALTHY = new LocalServer("", () -> false);
}
