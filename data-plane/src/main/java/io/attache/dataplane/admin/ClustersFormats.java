package io.attache.dataplane.admin;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.upstream.host.HealthFlag;
import io.envoyproxy.envoy.admin.v3.ClusterStatus;
import io.envoyproxy.envoy.admin.v3.Clusters;
import io.envoyproxy.envoy.admin.v3.HostHealthStatus;
import io.envoyproxy.envoy.admin.v3.HostStatus;
import io.envoyproxy.envoy.admin.v3.SimpleMetric;
import io.envoyproxy.envoy.config.cluster.v3.CircuitBreakers;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HealthStatus;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import io.envoyproxy.envoy.config.core.v3.SocketAddress;
import io.envoyproxy.envoy.type.v3.Percent;
import java.util.EnumSet;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/** Renders a {@link ClustersView} as Envoy's {@code /clusters} text and JSON. Pure. */
final class ClustersFormats {
  private ClustersFormats() {}

  static String text(ClustersView view) {
    StringBuilder out = new StringBuilder();
    for (ClustersView.Cluster cluster : view.clusters()) {
      String name = cluster.name();
      for (ClustersView.Thresholds t : cluster.thresholds()) {
        String p = name + "::" + t.priority().name().toLowerCase(java.util.Locale.ROOT);
        line(out, p + "_priority::max_connections", t.maxConnections());
        line(out, p + "_priority::max_pending_requests", t.maxPendingRequests());
        line(out, p + "_priority::max_requests", t.maxRequests());
        line(out, p + "_priority::max_retries", t.maxRetries());
      }
      line(out, name + "::added_via_api", cluster.addedViaApi());
      for (ClustersView.Host host : cluster.hosts()) {
        String h = name + "::" + host.address();
        SortedMap<String, Long> stats = new TreeMap<>(host.counters());
        stats.putAll(host.gauges());
        stats.forEach((stat, value) -> line(out, h + "::" + stat, value));
        line(out, h + "::hostname", host.hostname());
        line(out, h + "::health_flags", healthFlags(host.healthFlags()));
        line(out, h + "::weight", host.weight());
        line(out, h + "::region", host.locality().region());
        line(out, h + "::zone", host.locality().zone());
        line(out, h + "::sub_zone", host.locality().subZone());
        // Attaché does not read the envoy.lb "canary" metadata, so no host is ever a canary.
        line(out, h + "::canary", false);
        line(out, h + "::priority", host.priority());
        line(out, h + "::success_rate", shortest(host.successRate()));
        line(out, h + "::local_origin_success_rate", shortest(host.localOriginSuccessRate()));
      }
    }
    return out.toString();
  }

  /**
   * Envoy's {@code HostUtility::healthFlagsToString}: {@code healthy}, or each flag after a slash.
   */
  static String healthFlags(Set<HealthFlag> flags) {
    if (flags.isEmpty()) {
      return "healthy";
    }
    StringBuilder out = new StringBuilder();
    for (HealthFlag flag : EnumSet.copyOf(flags)) {
      out.append('/').append(flag.text());
    }
    return out.toString();
  }

  static String json(ClustersView view) {
    Clusters.Builder clusters = Clusters.newBuilder();
    for (ClustersView.Cluster cluster : view.clusters()) {
      ClusterStatus.Builder status = clusters.addClusterStatusesBuilder().setName(cluster.name());
      CircuitBreakers.Builder breakers = status.getCircuitBreakersBuilder();
      for (ClustersView.Thresholds t : cluster.thresholds()) {
        breakers
            .addThresholdsBuilder()
            .setPriority(
                t.priority() == ClustersView.Priority.HIGH
                    ? RoutingPriority.HIGH
                    : RoutingPriority.DEFAULT)
            .setMaxConnections(u32(t.maxConnections()))
            .setMaxPendingRequests(u32(t.maxPendingRequests()))
            .setMaxRequests(u32(t.maxRequests()))
            .setMaxRetries(u32(t.maxRetries()));
      }
      status.setAddedViaApi(cluster.addedViaApi());
      for (ClustersView.Host host : cluster.hosts()) {
        HostStatus.Builder hs = status.addHostStatusesBuilder();
        hs.setAddress(
            Address.newBuilder()
                .setSocketAddress(
                    SocketAddress.newBuilder().setAddress(host.ip()).setPortValue(host.port())));
        host.counters()
            .forEach(
                (n, v) ->
                    hs.addStats(
                        SimpleMetric.newBuilder()
                            .setName(n)
                            .setValue(v)
                            .setType(SimpleMetric.Type.COUNTER)));
        host.gauges()
            .forEach(
                (n, v) ->
                    hs.addStats(
                        SimpleMetric.newBuilder()
                            .setName(n)
                            .setValue(v)
                            .setType(SimpleMetric.Type.GAUGE)));
        hs.setHealthStatus(healthStatus(host.healthFlags()));
        if (host.successRate() >= 0) {
          hs.setSuccessRate(Percent.newBuilder().setValue(host.successRate()));
        }
        if (host.localOriginSuccessRate() >= 0) {
          hs.setLocalOriginSuccessRate(
              Percent.newBuilder().setValue(host.localOriginSuccessRate()));
        }
        hs.setWeight(host.weight()).setHostname(host.hostname()).setPriority(host.priority());
        hs.getLocalityBuilder()
            .setRegion(host.locality().region())
            .setZone(host.locality().zone())
            .setSubZone(host.locality().subZone());
      }
    }
    try {
      return JsonFormat.printer().preservingProtoFieldNames().print(clusters);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("admin Clusters proto has no Any; cannot fail", e);
    }
  }

  private static HostHealthStatus healthStatus(Set<HealthFlag> flags) {
    HealthStatus eds =
        flags.contains(HealthFlag.FAILED_EDS_HEALTH)
            ? HealthStatus.UNHEALTHY
            : flags.contains(HealthFlag.DEGRADED_EDS_HEALTH)
                ? HealthStatus.DEGRADED
                : flags.contains(HealthFlag.EDS_STATUS_DRAINING)
                    ? HealthStatus.DRAINING
                    : HealthStatus.HEALTHY;
    return HostHealthStatus.newBuilder()
        .setFailedActiveHealthCheck(flags.contains(HealthFlag.FAILED_ACTIVE_HC))
        .setFailedOutlierCheck(flags.contains(HealthFlag.FAILED_OUTLIER_CHECK))
        .setFailedActiveDegradedCheck(flags.contains(HealthFlag.DEGRADED_ACTIVE_HC))
        .setPendingDynamicRemoval(flags.contains(HealthFlag.PENDING_DYNAMIC_REMOVAL))
        .setPendingActiveHc(flags.contains(HealthFlag.PENDING_ACTIVE_HC))
        .setExcludedViaImmediateHcFail(flags.contains(HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL))
        .setActiveHcTimeout(flags.contains(HealthFlag.ACTIVE_HC_TIMEOUT))
        .setEdsHealthStatus(eds)
        .build();
  }

  private static UInt32Value u32(long value) {
    return UInt32Value.of((int) Math.min(value, 0xFFFFFFFFL));
  }

  private static void line(StringBuilder out, String key, Object value) {
    out.append(key).append("::").append(value).append('\n');
  }

  /** A double the way fmt's {@code {}} prints it: {@code -1}, {@code 99.5}. */
  static String shortest(double value) {
    if (value == Math.rint(value) && !Double.isInfinite(value) && Math.abs(value) < 1e15) {
      return Long.toString((long) value);
    }
    return Double.toString(value);
  }
}
