package io.attache.bench.controlplane;

import io.attache.api.policy.v1.Endpoint;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.BuiltInMeshDefaults;
import io.attache.controlplane.policy.PolicySnapshot;
import io.attache.controlplane.translate.EnvoyResources;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.attache.controlplane.xds.SnapshotPublisher;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.envoy.config.core.v3.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * Times, in-process, what the control plane does for one node group when a write lands on a mesh of
 * S services: {@link SnapshotTranslator#translate} alone, and {@link SnapshotPublisher#push()}
 * (translate, version every resource by content hash, set the snapshot in the cache) with one group
 * known and no stream watching. Single-threaded; measures nothing else.
 */
final class TranslationTiming {
  private TranslationTiming() {}

  /** The timings, in milliseconds per node group. */
  record Result(
      int services,
      int endpointsPerService,
      int resources,
      Percentiles translateMillis,
      Percentiles pushMillis) {}

  static Result measure(int services, int endpointsPerService, int warmups, int repetitions) {
    PolicySnapshot policy = policy(services, endpointsPerService);
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
    try (SystemScheduler scheduler = new SystemScheduler()) {
      SnapshotPublisher publisher =
          new SnapshotPublisher(
              new SimpleCache<>(ProxyGroup::of),
              translator,
              scheduler,
              Duration.ofMillis(100),
              Duration.ofMillis(500),
              policy);
      publisher.streamOpened(group);
      for (int i = 0; i < warmups + repetitions; i++) {
        long start = System.nanoTime();
        publisher.push();
        double millis = (System.nanoTime() - start) / 1e6;
        if (i >= warmups) {
          push.add(millis);
        }
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

  static PolicySnapshot policy(int services, int endpointsPerService) {
    TreeMap<String, Service> byName = new TreeMap<>();
    for (int s = 0; s < services; s++) {
      Service.Builder service = Service.newBuilder().setName("svc-" + s).setPort(8080);
      for (int e = 0; e < endpointsPerService; e++) {
        service.addEndpoints(Endpoint.newBuilder().setAddress(address(s, e)).setPort(9001));
      }
      byName.put(service.getName(), service.build());
    }
    return new PolicySnapshot(
        1,
        BuiltInMeshDefaults.get(),
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
