package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import java.time.Instant;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The dynamic half of {@code /config_dump}, in Envoy's own admin messages: what runs (active), what
 * waits for its dependencies (warming), the last ACKed version of each type, and per type the last
 * rejected update until a later one is accepted (Envoy's {@code error_state}). The integrator adds
 * these to the static parts it already dumps. Immutable.
 */
public record XdsConfigDump(
    ClustersConfigDump clusters,
    ListenersConfigDump listeners,
    RoutesConfigDump routes,
    EndpointsConfigDump endpoints,
    Map<XdsResourceType, UpdateFailureState> lastRejections) {

  public XdsConfigDump {
    lastRejections = Map.copyOf(lastRejections);
  }

  public static final XdsConfigDump EMPTY =
      new XdsConfigDump(
          ClustersConfigDump.getDefaultInstance(),
          ListenersConfigDump.getDefaultInstance(),
          RoutesConfigDump.getDefaultInstance(),
          EndpointsConfigDump.getDefaultInstance(),
          Map.of());

  static XdsConfigDump of(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> ackedVersions,
      Map<XdsResourceType, AdsClient.Rejection> rejections) {
    return new XdsConfigDump(
        clusters(accepted, active, ackedVersions),
        listeners(accepted, active, ackedVersions),
        routes(accepted),
        endpoints(accepted),
        failures(rejections));
  }

  private static ClustersConfigDump clusters(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> versions) {
    ClustersConfigDump.Builder dump =
        ClustersConfigDump.newBuilder()
            .setVersionInfo(versions.getOrDefault(XdsResourceType.CLUSTER, ""));
    active
        .get(XdsResourceType.CLUSTER)
        .values()
        .forEach(a -> dump.addDynamicActiveClusters(dynamicCluster(a)));
    accepted.get(XdsResourceType.CLUSTER).values().stream()
        .filter(a -> isWarming(a, active.get(XdsResourceType.CLUSTER)))
        .forEach(a -> dump.addDynamicWarmingClusters(dynamicCluster(a)));
    return dump.build();
  }

  private static ClustersConfigDump.DynamicCluster dynamicCluster(AdsClient.Accepted a) {
    return ClustersConfigDump.DynamicCluster.newBuilder()
        .setVersionInfo(a.version())
        .setCluster(Any.pack(a.parsed().proto()))
        .setLastUpdated(timestamp(a.lastUpdated()))
        .build();
  }

  private static ListenersConfigDump listeners(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> versions) {
    ListenersConfigDump.Builder dump =
        ListenersConfigDump.newBuilder()
            .setVersionInfo(versions.getOrDefault(XdsResourceType.LISTENER, ""));
    SortedMap<String, AdsClient.Accepted> running = active.get(XdsResourceType.LISTENER);
    SortedMap<String, AdsClient.Accepted> held = accepted.get(XdsResourceType.LISTENER);
    TreeSet<String> names = new TreeSet<>(running.keySet());
    names.addAll(held.keySet());
    for (String name : names) {
      ListenersConfigDump.DynamicListener.Builder listener =
          ListenersConfigDump.DynamicListener.newBuilder().setName(name);
      if (running.containsKey(name)) {
        listener.setActiveState(listenerState(running.get(name)));
      }
      if (held.containsKey(name) && isWarming(held.get(name), running)) {
        listener.setWarmingState(listenerState(held.get(name)));
      }
      dump.addDynamicListeners(listener);
    }
    return dump.build();
  }

  private static ListenersConfigDump.DynamicListenerState listenerState(AdsClient.Accepted a) {
    return ListenersConfigDump.DynamicListenerState.newBuilder()
        .setVersionInfo(a.version())
        .setListener(Any.pack(a.parsed().proto()))
        .setLastUpdated(timestamp(a.lastUpdated()))
        .build();
  }

  private static RoutesConfigDump routes(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted) {
    RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
    for (AdsClient.Accepted a : accepted.get(XdsResourceType.ROUTE).values()) {
      RoutesConfigDump.DynamicRouteConfig.Builder route =
          RoutesConfigDump.DynamicRouteConfig.newBuilder()
              .setVersionInfo(a.version())
              .setRouteConfig(Any.pack(a.parsed().proto()))
              .setLastUpdated(timestamp(a.lastUpdated()));
      dump.addDynamicRouteConfigs(route);
    }
    return dump.build();
  }

  private static EndpointsConfigDump endpoints(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted) {
    EndpointsConfigDump.Builder dump = EndpointsConfigDump.newBuilder();
    for (AdsClient.Accepted a : accepted.get(XdsResourceType.ENDPOINT).values()) {
      EndpointsConfigDump.DynamicEndpointConfig.Builder endpoint =
          EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
              .setVersionInfo(a.version())
              .setEndpointConfig(Any.pack(a.parsed().proto()))
              .setLastUpdated(timestamp(a.lastUpdated()));
      dump.addDynamicEndpointConfigs(endpoint);
    }
    return dump.build();
  }

  private static boolean isWarming(
      AdsClient.Accepted held, SortedMap<String, AdsClient.Accepted> running) {
    AdsClient.Accepted current = running.get(held.parsed().name());
    return current == null || !current.parsed().proto().equals(held.parsed().proto());
  }

  private static Map<XdsResourceType, UpdateFailureState> failures(
      Map<XdsResourceType, AdsClient.Rejection> rejections) {
    Map<XdsResourceType, UpdateFailureState> out = new java.util.EnumMap<>(XdsResourceType.class);
    rejections.forEach((type, rejection) -> out.put(type, failure(rejection)));
    return out;
  }

  private static UpdateFailureState failure(AdsClient.Rejection rejection) {
    return UpdateFailureState.newBuilder()
        .setVersionInfo(rejection.versionInfo())
        .setDetails(rejection.details())
        .setLastUpdateAttempt(timestamp(rejection.at()))
        .build();
  }

  private static Timestamp timestamp(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }
}
