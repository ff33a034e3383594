package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import com.google.protobuf.Timestamp;
import io.attache.dataplane.hash.XxHash64;
import io.envoyproxy.envoy.admin.v3.ClustersConfigDump;
import io.envoyproxy.envoy.admin.v3.EndpointsConfigDump;
import io.envoyproxy.envoy.admin.v3.ListenersConfigDump;
import io.envoyproxy.envoy.admin.v3.RoutesConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import io.envoyproxy.envoy.admin.v3.UpdateFailureState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeSet;

/**
 * The dynamic half of {@code /config_dump}, in Envoy's own admin messages: what runs (active), what
 * waits for its dependencies (warming), the last ACKed version of each type, and on each resource
 * its last rejected update until an accepted update of it (Envoy's {@code error_state}: the
 * rejected resource, the response version, the reason and when). As in Envoy, a rejected listener
 * the proxy holds no version of appears by name with its {@code error_state} only; the other types
 * have no name outside the resource, so a rejected resource never held is told only by the NACK and
 * by {@link #lastRejections}, the last rejected response per type. {@link #unreadyTargets} is
 * {@code /init_dump}'s answer. The integrator adds these to the static parts it already dumps.
 * Immutable.
 */
public record XdsConfigDump(
    ClustersConfigDump clusters,
    ListenersConfigDump listeners,
    RoutesConfigDump routes,
    EndpointsConfigDump endpoints,
    SecretsConfigDump secrets,
    Map<XdsResourceType, UpdateFailureState> lastRejections,
    UnreadyTargetsDumps unreadyTargets) {

  public XdsConfigDump {
    lastRejections = Map.copyOf(lastRejections);
  }

  public static final XdsConfigDump EMPTY =
      new XdsConfigDump(
          ClustersConfigDump.getDefaultInstance(),
          ListenersConfigDump.getDefaultInstance(),
          RoutesConfigDump.getDefaultInstance(),
          EndpointsConfigDump.getDefaultInstance(),
          SecretsConfigDump.getDefaultInstance(),
          Map.of(),
          UnreadyTargetsDumps.getDefaultInstance());

  static XdsConfigDump of(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> ackedVersions,
      Map<XdsResourceType, AdsClient.Rejection> rejections,
      Map<Dependency.Key, AdsClient.ResourceRejection> resourceRejections,
      Set<Dependency.Key> settled) {
    Map<XdsResourceType, SortedMap<String, UpdateFailureState>> errors =
        new java.util.EnumMap<>(XdsResourceType.class);
    for (XdsResourceType type : XdsResourceType.values()) {
      errors.put(type, new java.util.TreeMap<>());
    }
    resourceRejections.forEach(
        (key, rejection) -> errors.get(key.type()).put(key.name(), errorState(rejection)));
    return new XdsConfigDump(
        clusters(accepted, active, ackedVersions, errors.get(XdsResourceType.CLUSTER)),
        listeners(accepted, active, ackedVersions, errors.get(XdsResourceType.LISTENER)),
        routes(accepted, errors.get(XdsResourceType.ROUTE)),
        endpoints(accepted, errors.get(XdsResourceType.ENDPOINT)),
        secrets(accepted, errors.get(XdsResourceType.SECRET)),
        failures(rejections),
        unreadyTargets(accepted, settled));
  }

  /**
   * Envoy's {@code /init_dump}: one init manager per listener that still warms ({@code
   * Listener-local-init-manager <name> <hash>}), holding the targets it waits for under Envoy's
   * names ({@code RdsRouteConfigSubscription init <route>}, {@code SdsApi <secret>}). A dependency
   * that arrived or whose initial fetch timed out is ready.
   */
  private static UnreadyTargetsDumps unreadyTargets(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Set<Dependency.Key> settled) {
    UnreadyTargetsDumps.Builder dumps = UnreadyTargetsDumps.newBuilder();
    for (AdsClient.Accepted listener : accepted.get(XdsResourceType.LISTENER).values()) {
      List<String> targets = new ArrayList<>();
      for (Dependency d : listener.parsed().dependencies()) {
        if (!accepted.get(d.type()).containsKey(d.name()) && !settled.contains(d.key())) {
          targets.add(initTargetName(d));
        }
      }
      if (!targets.isEmpty()) {
        long hash = XxHash64.hash(listener.parsed().proto().toByteArray());
        dumps.addUnreadyTargetsDumps(
            UnreadyTargetsDumps.UnreadyTargetsDump.newBuilder()
                .setName(
                    "Listener-local-init-manager "
                        + listener.parsed().name()
                        + " "
                        + Long.toUnsignedString(hash))
                .addAllTargetNames(targets));
      }
    }
    return dumps.build();
  }

  private static String initTargetName(Dependency dependency) {
    return switch (dependency.type()) {
      case ROUTE -> "RdsRouteConfigSubscription init " + dependency.name();
      case SECRET -> "SdsApi " + dependency.name();
      default -> dependency.type().name() + " " + dependency.name();
    };
  }

  private static UpdateFailureState errorState(AdsClient.ResourceRejection rejection) {
    UpdateFailureState.Builder state =
        UpdateFailureState.newBuilder()
            .setVersionInfo(rejection.versionInfo())
            .setDetails(rejection.details())
            .setLastUpdateAttempt(timestamp(rejection.at()));
    rejection.failedConfiguration().ifPresent(state::setFailedConfiguration);
    return state.build();
  }

  private static ClustersConfigDump clusters(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> versions,
      SortedMap<String, UpdateFailureState> errors) {
    ClustersConfigDump.Builder dump =
        ClustersConfigDump.newBuilder()
            .setVersionInfo(versions.getOrDefault(XdsResourceType.CLUSTER, ""));
    SortedMap<String, AdsClient.Accepted> running = active.get(XdsResourceType.CLUSTER);
    SortedMap<String, AdsClient.Accepted> held = accepted.get(XdsResourceType.CLUSTER);
    running.values().forEach(a -> dump.addDynamicActiveClusters(dynamicCluster(a, errors)));
    held.values().stream()
        .filter(a -> isWarming(a, running))
        .forEach(a -> dump.addDynamicWarmingClusters(dynamicCluster(a, errors)));
    return dump.build();
  }

  private static ClustersConfigDump.DynamicCluster dynamicCluster(
      AdsClient.Accepted a, SortedMap<String, UpdateFailureState> errors) {
    ClustersConfigDump.DynamicCluster.Builder cluster =
        ClustersConfigDump.DynamicCluster.newBuilder()
            .setVersionInfo(a.version())
            .setCluster(Any.pack(a.parsed().proto()))
            .setLastUpdated(timestamp(a.lastUpdated()));
    Optional.ofNullable(errors.get(a.parsed().name())).ifPresent(cluster::setErrorState);
    return cluster.build();
  }

  private static ListenersConfigDump listeners(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> active,
      Map<XdsResourceType, String> versions,
      SortedMap<String, UpdateFailureState> errors) {
    ListenersConfigDump.Builder dump =
        ListenersConfigDump.newBuilder()
            .setVersionInfo(versions.getOrDefault(XdsResourceType.LISTENER, ""));
    SortedMap<String, AdsClient.Accepted> running = active.get(XdsResourceType.LISTENER);
    SortedMap<String, AdsClient.Accepted> held = accepted.get(XdsResourceType.LISTENER);
    TreeSet<String> names = new TreeSet<>(running.keySet());
    names.addAll(held.keySet());
    names.addAll(errors.keySet());
    for (String name : names) {
      ListenersConfigDump.DynamicListener.Builder listener =
          ListenersConfigDump.DynamicListener.newBuilder().setName(name);
      if (running.containsKey(name)) {
        listener.setActiveState(listenerState(running.get(name)));
      }
      if (held.containsKey(name) && isWarming(held.get(name), running)) {
        listener.setWarmingState(listenerState(held.get(name)));
      }
      Optional.ofNullable(errors.get(name)).ifPresent(listener::setErrorState);
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
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      SortedMap<String, UpdateFailureState> errors) {
    RoutesConfigDump.Builder dump = RoutesConfigDump.newBuilder();
    SortedMap<String, AdsClient.Accepted> held = accepted.get(XdsResourceType.ROUTE);
    for (AdsClient.Accepted a : held.values()) {
      RoutesConfigDump.DynamicRouteConfig.Builder route =
          RoutesConfigDump.DynamicRouteConfig.newBuilder()
              .setVersionInfo(a.version())
              .setRouteConfig(Any.pack(a.parsed().proto()))
              .setLastUpdated(timestamp(a.lastUpdated()));
      Optional.ofNullable(errors.get(a.parsed().name())).ifPresent(route::setErrorState);
      dump.addDynamicRouteConfigs(route);
    }
    return dump.build();
  }

  private static EndpointsConfigDump endpoints(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      SortedMap<String, UpdateFailureState> errors) {
    EndpointsConfigDump.Builder dump = EndpointsConfigDump.newBuilder();
    SortedMap<String, AdsClient.Accepted> held = accepted.get(XdsResourceType.ENDPOINT);
    for (AdsClient.Accepted a : held.values()) {
      EndpointsConfigDump.DynamicEndpointConfig.Builder endpoint =
          EndpointsConfigDump.DynamicEndpointConfig.newBuilder()
              .setVersionInfo(a.version())
              .setEndpointConfig(Any.pack(a.parsed().proto()))
              .setLastUpdated(timestamp(a.lastUpdated()));
      Optional.ofNullable(errors.get(a.parsed().name())).ifPresent(endpoint::setErrorState);
      dump.addDynamicEndpointConfigs(endpoint);
    }
    return dump.build();
  }

  /**
   * Every SDS secret the proxy holds as {@code dynamic_active_secrets}, unredacted: the admin
   * endpoint redacts before printing.
   */
  private static SecretsConfigDump secrets(
      Map<XdsResourceType, SortedMap<String, AdsClient.Accepted>> accepted,
      SortedMap<String, UpdateFailureState> errors) {
    SecretsConfigDump.Builder dump = SecretsConfigDump.newBuilder();
    for (AdsClient.Accepted a : accepted.get(XdsResourceType.SECRET).values()) {
      SecretsConfigDump.DynamicSecret.Builder secret =
          SecretsConfigDump.DynamicSecret.newBuilder()
              .setName(a.parsed().name())
              .setVersionInfo(a.version())
              .setLastUpdated(timestamp(a.lastUpdated()))
              .setSecret(Any.pack(a.parsed().proto()));
      Optional.ofNullable(errors.get(a.parsed().name())).ifPresent(secret::setErrorState);
      dump.addDynamicActiveSecrets(secret);
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
