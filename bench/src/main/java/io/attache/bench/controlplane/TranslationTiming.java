package io.attache.bench.controlplane;

import com.google.protobuf.UInt32Value;
import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.attache.controlplane.xds.Scheduler;
import io.attache.controlplane.xds.SnapshotPublisher;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Times, in-process, what the control plane does for one node group when a write lands on a mesh of
 * S services: {@link SnapshotTranslator#translate} alone, and {@link SnapshotPublisher#push()}
 * (translate, version the resources — re-using the versions and bytes of those the previous push
 * served unchanged — and set the snapshot in the cache) with one group known and no stream
 * watching. Each push follows a write that changes the mesh-wide retry policy, as the fan-out
 * rounds do: the route configuration changes, the clusters and endpoints do not. Single-threaded;
 * measures nothing else.
 */
final class TranslationTiming {
  private TranslationTiming() {}

  /** The timing calls push() itself: the debounce timer a write arms must never fire beside it. */
  private static final Scheduler TIMERS_NEVER_FIRE =
      new Scheduler() {
        @Override
        public long nanoTime() {
          return System.nanoTime();
        }

        @Override
        public ScheduledTask schedule(Duration delay, Runnable task) {
          return () -> {};
        }
      };

  /** The timings, in milliseconds per node group. */
  record Result(
      int services,
      int endpointsPerService,
      int resources,
      Percentiles translateMillis,
      Percentiles pushMillis) {}

  static Result measure(int services, int endpointsPerService, int warmups, int repetitions) {
    PolicySnapshot policy = policy(services, endpointsPerService, 1);
    SnapshotTranslator translator = new SnapshotTranslator();
    Node node = Node.newBuilder().setId("timing").setCluster("team-0").build();
    ProxyGroup group = ProxyGroup.of(node);
    int resources = 0;
    List<Double> translate = new ArrayList<>();
    for (int i = 0; i < warmups + repetitions; i++) {
      long start = System.nanoTime();
      EnvoyResources translated = translator.translate(policy, group);
      double millis = (System.nanoTime() - start) / 1e6;
      resources = count(translated);
      if (i >= warmups) {
        translate.add(millis);
      }
    }
    List<Double> push = new ArrayList<>();
    SnapshotPublisher publisher =
        new SnapshotPublisher(
            new SimpleCache<>(ProxyGroup::of),
            translator,
            TIMERS_NEVER_FIRE,
            Duration.ofMillis(100),
            Duration.ofMillis(500),
            policy);
    publisher.streamOpened(group);
    for (int i = 0; i < warmups + repetitions; i++) {
      publisher.policyChanged(policy(services, endpointsPerService, 2 + i));
      long start = System.nanoTime();
      publisher.push();
      double millis = (System.nanoTime() - start) / 1e6;
      if (i >= warmups) {
        push.add(millis);
      }
    }
    return new Result(
        services, endpointsPerService, resources, Percentiles.of(translate), Percentiles.of(push));
  }

  private static int count(EnvoyResources resources) {
    return resources.clusters().size()
        + resources.endpoints().size()
        + resources.listeners().size()
        + resources.routes().size();
  }

  /** The mesh, with mesh defaults whose retry policy makes {@code retries} attempts. */
  static PolicySnapshot policy(int services, int endpointsPerService, int retries) {
    TreeMap<String, Service> byName = new TreeMap<>();
    for (int s = 0; s < services; s++) {
      Service.Builder service = Service.newBuilder().setName("svc-" + s).setPort(8080);
      for (int e = 0; e < endpointsPerService; e++) {
        service.addEndpoints(Endpoint.newBuilder().setAddress(address(s, e)).setPort(9001));
      }
      byName.put(service.getName(), service.build());
    }
    MeshDefaults defaults = BuiltInMeshDefaults.get();
    defaults =
        defaults.toBuilder()
            .setRetry(defaults.getRetry().toBuilder().setNumRetries(UInt32Value.of(retries)))
            .build();
    return new PolicySnapshot(
        retries,
        defaults,
        byName,
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>(),
        new TreeMap<>());
  }

  /** A distinct IPv4 address per (service, endpoint), valid up to 65,536 services × 250. */
  static String address(int service, int endpoint) {
    return "10." + (service >> 8 & 0xff) + "." + (service & 0xff) + "." + (endpoint + 1);
  }
}
