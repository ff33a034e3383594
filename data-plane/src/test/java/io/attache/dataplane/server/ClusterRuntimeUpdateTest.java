package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.lb.LbContext;
import io.attache.dataplane.xds.Versioned;
import io.attache.dataplane.xds.XdsSnapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.Endpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** CDS/EDS updates of the running clusters: kept when unchanged, rebuilt when changed, atomic. */
class ClusterRuntimeUpdateTest {
  private final ClusterRuntime runtime = start();

  private static ClusterRuntime start() {
    try {
      return ClusterRuntime.start(List.of(), new StatsStore(), RandomSource.seeded(1));
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  @AfterEach
  void close() {
    runtime.close();
  }

  private static Cluster eds(String name, long connectTimeoutSeconds) {
    return Cluster.newBuilder()
        .setName(name)
        .setType(Cluster.DiscoveryType.EDS)
        .setConnectTimeout(
            com.google.protobuf.Duration.newBuilder().setSeconds(connectTimeoutSeconds))
        .build();
  }

  private static ClusterLoadAssignment endpoints(String name, String ip) {
    return ClusterLoadAssignment.newBuilder()
        .setClusterName(name)
        .addEndpoints(
            LocalityLbEndpoints.newBuilder()
                .addLbEndpoints(
                    LbEndpoint.newBuilder()
                        .setEndpoint(
                            Endpoint.newBuilder()
                                .setAddress(
                                    Address.newBuilder()
                                        .setSocketAddress(
                                            SocketAddress.newBuilder()
                                                .setAddress(ip)
                                                .setPortValue(80))))))
        .build();
  }

  private static XdsSnapshot snapshot(List<Cluster> clusters, List<ClusterLoadAssignment> slas) {
    TreeMap<String, Versioned<Cluster>> byName = new TreeMap<>();
    clusters.forEach(c -> byName.put(c.getName(), new Versioned<>(c, "1", Instant.EPOCH)));
    TreeMap<String, Versioned<ClusterLoadAssignment>> assignments = new TreeMap<>();
    slas.forEach(a -> assignments.put(a.getClusterName(), new Versioned<>(a, "1", Instant.EPOCH)));
    return new XdsSnapshot(new TreeMap<>(), new TreeMap<>(), byName, assignments);
  }

  private void apply(XdsSnapshot snapshot) throws ConfigException {
    runtime.commit(runtime.prepare(snapshot), Duration.ZERO);
  }

  private String firstHost(String cluster) {
    // Each of these clusters has one host, so any pick is the first host.
    return runtime.get(cluster).chooseHost(LbContext.NONE).address().getAddress().getHostAddress();
  }

  @Test
  void keepsAnUnchangedClusterAndPushesItsNewEndpoints() throws ConfigException {
    apply(snapshot(List.of(eds("a", 1)), List.of(endpoints("a", "10.0.0.1"))));
    ClusterHandle before = runtime.get("a");

    apply(snapshot(List.of(eds("a", 1)), List.of(endpoints("a", "10.0.0.2"))));

    assertThat(runtime.get("a")).isSameAs(before);
    assertThat(firstHost("a")).isEqualTo("10.0.0.2");
  }

  @Test
  void rebuildsAChangedClusterWithItsEndpoints() throws ConfigException {
    apply(snapshot(List.of(eds("a", 1)), List.of(endpoints("a", "10.0.0.1"))));
    ClusterHandle before = runtime.get("a");

    apply(snapshot(List.of(eds("a", 2)), List.of(endpoints("a", "10.0.0.1"))));

    assertThat(runtime.get("a")).isNotSameAs(before);
    assertThat(firstHost("a")).isEqualTo("10.0.0.1");
  }

  @Test
  void removesAClusterThatLeftTheSnapshot() throws ConfigException {
    apply(snapshot(List.of(eds("a", 1), eds("b", 1)), List.of()));

    apply(snapshot(List.of(eds("b", 1)), List.of()));

    assertThat(runtime.get("a")).isNull();
    assertThat(runtime.get("b")).isNotNull();
  }

  @Test
  void changesNothingWhenOneClusterOfTheSnapshotIsBad() throws ConfigException {
    apply(snapshot(List.of(eds("a", 1)), List.of(endpoints("a", "10.0.0.1"))));
    ClusterHandle before = runtime.get("a");

    assertThatThrownBy(
            () ->
                runtime.prepare(
                    snapshot(
                        List.of(eds("a", 1), eds("b", 1)),
                        List.of(endpoints("a", "10.0.0.2"), endpoints("b", "backend.local")))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("cluster_load_assignments[\"b\"]");

    assertThat(runtime.get("a")).isSameAs(before);
    assertThat(runtime.get("b")).isNull();
    assertThat(firstHost("a")).isEqualTo("10.0.0.1");
  }
}
