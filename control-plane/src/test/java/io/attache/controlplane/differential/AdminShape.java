package io.attache.controlplane.differential;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.admin.ConfigDumpTypes;
import io.envoyproxy.envoy.admin.v3.BootstrapConfigDump;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.EcdsConfigDump;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.ScopedRoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The shape of a data plane's {@code /clusters?format=json} and {@code /config_dump} after the edge
 * scenarios, parsed with the admin.v3 protos (an answer that does not parse fails the run): which
 * clusters and hosts (hosts by their upstream's role), each host's health flags and the names of
 * its stats, the values of {@code cx_total}, {@code rq_total}, {@code rq_success}, {@code rq_error}
 * and {@code rq_timeout} where the traffic was deterministic; the config dump's section types in
 * order, each section's resource names with their {@code version_info} and whether {@code
 * last_updated} is set. A {@code version_info} is a hash of the resources, which hold each run's
 * own upstream ports, so it is observed as {@code <version-N>}, numbered by first appearance: what
 * is compared is which resources share a version. Observes only; judging is the {@link Differ}'s
 * job.
 */
final class AdminShape {

  /** The observation scenarios, one per admin endpoint. */
  static final String CLUSTERS = "admin /clusters?format=json";

  static final String CONFIG_DUMP = "admin /config_dump";

  /** The per-host stats whose values must agree after the same deterministic traffic. */
  static final Set<String> HOST_COUNTERS =
      Set.of("cx_total", "rq_total", "rq_success", "rq_error", "rq_timeout");

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private static final JsonFormat.Parser PARSER =
      JsonFormat.parser()
          .ignoringUnknownFields()
          .usingTypeRegistry(
              ConfigDumpTypes.envoyDefaultsBuilder()
                  .add(ScopedRoutesConfigDump.getDescriptor())
                  .add(EcdsConfigDump.getDescriptor())
                  .build());

  private AdminShape() {}

  /**
   * Both observations. {@code roleByPort} names hosts; {@code deterministicClusters} are those
   * whose host counters are compared by value (elsewhere by name only).
   */
  static List<Observation> observe(
      int adminPort, Map<Integer, String> roleByPort, Set<String> deterministicClusters) {
    return List.of(clusters(adminPort, roleByPort, deterministicClusters), configDump(adminPort));
  }

  private static Observation clusters(
      int adminPort, Map<Integer, String> roleByPort, Set<String> deterministicClusters) {
    Clusters.Builder parsed = Clusters.newBuilder();
    parse(get(adminPort, "/clusters?format=json"), parsed);
    Observation.Builder o = Observation.of(CLUSTERS, 0, "GET /clusters?format=json");
    SortedMap<String, ClusterStatus> byName = new TreeMap<>();
    parsed.getClusterStatusesList().forEach(c -> byName.put(c.getName(), c));
    o.fact("clusters", String.join(",", byName.keySet()));
    byName.forEach(
        (name, cluster) -> {
          SortedMap<String, HostStatus> hosts = new TreeMap<>();
          for (HostStatus host : cluster.getHostStatusesList()) {
            hosts.put(hostName(host, roleByPort), host);
          }
          o.fact(name + " hosts", String.join(",", hosts.keySet()));
          hosts.forEach(
              (hostName, host) -> {
                String at = name + "/" + hostName;
                o.fact(at + " health", health(host.getHealthStatus()));
                Set<String> stats = new TreeSet<>();
                for (SimpleMetric stat : host.getStatsList()) {
                  stats.add(stat.getName());
                  if (deterministicClusters.contains(name)
                      && HOST_COUNTERS.contains(stat.getName())) {
                    o.fact(at + " " + stat.getName(), Long.toString(stat.getValue()));
                  }
                }
                o.fact(at + " stat names", String.join(",", stats));
              });
        });
    return o.build();
  }

  private static Observation configDump(int adminPort) {
    ConfigDump.Builder parsed = ConfigDump.newBuilder();
    parse(get(adminPort, "/config_dump"), parsed);
    Observation.Builder o = Observation.of(CONFIG_DUMP, 0, "GET /config_dump");
    Map<String, String> versions = new HashMap<>();
    java.util.function.UnaryOperator<String> version =
        v ->
            v.isEmpty()
                ? ""
                : versions.computeIfAbsent(v, k -> "<version-" + (versions.size() + 1) + ">");
    List<String> types = new ArrayList<>();
    for (Any section : parsed.getConfigsList()) {
      String type = section.getTypeUrl().substring(section.getTypeUrl().lastIndexOf('/') + 1);
      types.add(type);
      try {
        switch (type) {
          case "envoy.admin.v3.BootstrapConfigDump" ->
              o.fact(
                  type + " last_updated",
                  Boolean.toString(section.unpack(BootstrapConfigDump.class).hasLastUpdated()));
          case "envoy.admin.v3.ClustersConfigDump" -> {
            ClustersConfigDump c = section.unpack(ClustersConfigDump.class);
            List<String> statics = new ArrayList<>();
            for (ClustersConfigDump.StaticCluster st : c.getStaticClustersList()) {
              statics.add(clusterName(st.getCluster()));
            }
            o.fact(type + " static_clusters", String.join(",", sorted(statics)));
            o.fact(type + " version_info", version.apply(c.getVersionInfo()));
            List<String> dynamic = new ArrayList<>();
            for (ClustersConfigDump.DynamicCluster d : c.getDynamicActiveClustersList()) {
              dynamic.add(
                  clusterName(d.getCluster())
                      + "@"
                      + version.apply(d.getVersionInfo())
                      + (d.hasLastUpdated() ? "" : " (no last_updated)"));
            }
            o.fact(type + " dynamic_active_clusters", String.join(",", sorted(dynamic)));
            o.fact(
                type + " dynamic_warming_clusters",
                Integer.toString(c.getDynamicWarmingClustersCount()));
          }
          case "envoy.admin.v3.ListenersConfigDump" -> {
            ListenersConfigDump l = section.unpack(ListenersConfigDump.class);
            o.fact(type + " version_info", version.apply(l.getVersionInfo()));
            o.fact(type + " static_listeners", Integer.toString(l.getStaticListenersCount()));
            List<String> dynamic = new ArrayList<>();
            for (ListenersConfigDump.DynamicListener d : l.getDynamicListenersList()) {
              dynamic.add(
                  d.getName()
                      + (d.hasActiveState()
                          ? "@"
                              + version.apply(d.getActiveState().getVersionInfo())
                              + (d.getActiveState().hasLastUpdated() ? "" : " (no last_updated)")
                          : " (not active)"));
            }
            o.fact(type + " dynamic_listeners", String.join(",", sorted(dynamic)));
          }
          case "envoy.admin.v3.RoutesConfigDump" -> {
            RoutesConfigDump r = section.unpack(RoutesConfigDump.class);
            o.fact(
                type + " route configs",
                r.getStaticRouteConfigsCount()
                    + " static, "
                    + r.getDynamicRouteConfigsCount()
                    + " dynamic");
          }
          case "envoy.admin.v3.SecretsConfigDump" -> {
            SecretsConfigDump s = section.unpack(SecretsConfigDump.class);
            o.fact(
                type + " secrets",
                s.getStaticSecretsCount()
                    + " static, "
                    + (s.getDynamicActiveSecretsCount() + s.getDynamicWarmingSecretsCount())
                    + " dynamic");
          }
          default -> o.fact(type + " present", "true");
        }
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("cannot unpack " + type, e);
      }
    }
    o.fact("config types in order", String.join(",", types));
    return o.build();
  }

  private static String clusterName(Any cluster) throws InvalidProtocolBufferException {
    return cluster.unpack(io.envoyproxy.envoy.config.cluster.v3.Cluster.class).getName();
  }

  private static String hostName(HostStatus host, Map<Integer, String> roleByPort) {
    int port = host.getAddress().getSocketAddress().getPortValue();
    return roleByPort.getOrDefault(port, host.getAddress().getSocketAddress().getAddress());
  }

  /** The flags Envoy's text form would print, from the proto's fields. */
  private static String health(HostHealthStatus h) {
    List<String> flags = new ArrayList<>();
    if (h.getFailedActiveHealthCheck()) {
      flags.add("failed_active_hc");
    }
    if (h.getFailedOutlierCheck()) {
      flags.add("failed_outlier_check");
    }
    if (h.getFailedActiveDegradedCheck()) {
      flags.add("degraded_active_hc");
    }
    if (h.getPendingDynamicRemoval()) {
      flags.add("pending_dynamic_removal");
    }
    if (h.getPendingActiveHc()) {
      flags.add("pending_active_hc");
    }
    if (h.getExcludedViaImmediateHcFail()) {
      flags.add("excluded_via_immediate_hc_fail");
    }
    if (h.getActiveHcTimeout()) {
      flags.add("active_hc_timeout");
    }
    flags.add("eds_health_status=" + h.getEdsHealthStatus());
    return String.join(",", flags);
  }

  private static List<String> sorted(List<String> values) {
    return new ArrayList<>(new TreeSet<>(values));
  }

  private static void parse(String json, Message.Builder into) {
    try {
      PARSER.merge(json, into);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("not an admin.v3 " + into.getDescriptorForType(), e);
    }
  }

  private static String get(int adminPort, String path) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + path))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException(path + " answered " + response.statusCode());
      }
      return response.body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
