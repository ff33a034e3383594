package io.attache.controlplane.translate;

import com.google.protobuf.Message;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * (policy, node group) → every Envoy resource that group receives: the generated ones from the
 * per-type translators plus the raw resources, sorted by name. Pure and deterministic. Name clashes
 * between raw and generated resources are the validator's business; here the generated one wins.
 */
public final class SnapshotTranslator {

  /** The SPIFFE trust domain when none is configured. */
  public static final String DEFAULT_TRUST_DOMAIN = "attache.local";

  private final ClusterTranslator clusters;
  private final EndpointTranslator endpoints = new EndpointTranslator();
  private final ListenerTranslator listeners;
  private final RouteConfigurationTranslator routes;

  public SnapshotTranslator() {
    this(DEFAULT_TRUST_DOMAIN);
  }

  /** {@code trustDomain}: the SPIFFE trust domain mesh peers must belong to under mTLS. */
  public SnapshotTranslator(String trustDomain) {
    this(trustDomain, () -> JwksEndpoint.LOCAL);
  }

  /**
   * {@code trustDomain}: the SPIFFE trust domain of the mesh's certificates and identity tokens;
   * {@code jwks}: where sidecars fetch the keys that verify those tokens.
   */
  public SnapshotTranslator(String trustDomain, Supplier<JwksEndpoint> jwks) {
    this.clusters = new ClusterTranslator(trustDomain, jwks);
    this.listeners = new ListenerTranslator(trustDomain, jwks);
    this.routes = new RouteConfigurationTranslator(trustDomain, jwks);
  }

  public EnvoyResources translate(PolicySnapshot policy, ProxyGroup group) {
    return new EnvoyResources(
        withRaw(clusters.translate(policy, group), policy.rawClusters(), Cluster::getName),
        withRaw(
            endpoints.translate(policy, group),
            policy.rawEndpoints(),
            ClusterLoadAssignment::getClusterName),
        withRaw(listeners.translate(policy, group), policy.rawListeners(), Listener::getName),
        withRaw(routes.translate(policy, group), policy.rawRoutes(), RouteConfiguration::getName));
  }

  private static <T extends Message> List<T> withRaw(
      List<T> generated, Map<String, T> raw, Function<T, String> name) {
    List<T> all = new ArrayList<>(generated);
    for (T resource : raw.values()) {
      boolean clashes =
          generated.stream().anyMatch(g -> name.apply(g).equals(name.apply(resource)));
      if (!clashes) {
        all.add(resource);
      }
    }
    all.sort(Comparator.comparing(name));
    return all;
  }
}
