package io.attache.dataplane.overload;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.overload.v3.OverloadAction;
import io.envoyproxy.envoy.config.overload.v3.OverloadManager;
import io.envoyproxy.envoy.config.overload.v3.ResourceMonitor;
import io.envoyproxy.envoy.config.overload.v3.Trigger;
import io.envoyproxy.envoy.extensions.resource_monitors.downstream_connections.v3.DownstreamConnectionsConfig;
import io.envoyproxy.envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The bootstrap's {@code overload_manager}, checked as Envoy checks it (unique monitor and action
 * names, triggers naming a configured monitor, scaled thresholds in order) and refusing what
 * Attaché cannot run (other monitors, other actions) rather than accepting it silently. Immutable.
 *
 * @param refreshInterval how often every monitor is read (Envoy's default 1 s)
 * @param fixedHeapMonitors {@code fixed_heap} monitors by configured name, with their {@code
 *     max_heap_size_bytes}
 * @param maxActiveDownstreamConnections the proactive {@code global_downstream_max_connections}
 *     monitor's {@code max_active_downstream_connections}; empty without that monitor
 * @param actions each configured action with its triggers
 */
public record OverloadManagerConfig(
    Duration refreshInterval,
    Map<String, Long> fixedHeapMonitors,
    OptionalLong maxActiveDownstreamConnections,
    Map<OverloadActionName, List<OverloadTrigger>> actions) {
  static final String FIXED_HEAP = "envoy.resource_monitors.fixed_heap";
  private static final String FIXED_HEAP_TYPE =
      "type.googleapis.com/envoy.extensions.resource_monitors.fixed_heap.v3.FixedHeapConfig";

  /**
   * Envoy finds a proactive monitor by this name alone (another name with its config is "no
   * registered implementation"), so the name is the only one it can have.
   */
  public static final String GLOBAL_DOWNSTREAM_MAX_CONNECTIONS =
      "envoy.resource_monitors.global_downstream_max_connections";

  private static final String DOWNSTREAM_CONNECTIONS_TYPE =
      "type.googleapis.com/envoy.extensions.resource_monitors.downstream_connections.v3"
          + ".DownstreamConnectionsConfig";

  public OverloadManagerConfig {
    fixedHeapMonitors = Map.copyOf(fixedHeapMonitors);
    Map<OverloadActionName, List<OverloadTrigger>> copy = new EnumMap<>(OverloadActionName.class);
    actions.forEach((k, v) -> copy.put(k, List.copyOf(v)));
    actions = java.util.Collections.unmodifiableMap(copy);
  }

  public static OverloadManagerConfig from(OverloadManager proto, String path)
      throws ConfigException {
    Duration refresh = Duration.ofSeconds(1);
    if (proto.hasRefreshInterval()) {
      refresh =
          Duration.ofSeconds(
              proto.getRefreshInterval().getSeconds(), proto.getRefreshInterval().getNanos());
      if (refresh.isNegative() || refresh.isZero()) {
        throw new ConfigException(path + ".refresh_interval", "must be positive");
      }
    }
    if (proto.getResourceMonitorsCount() == 0) {
      throw new ConfigException(path + ".resource_monitors", "needs at least one monitor");
    }
    Map<String, Long> monitors = new LinkedHashMap<>();
    OptionalLong maxConnections = OptionalLong.empty();
    for (int i = 0; i < proto.getResourceMonitorsCount(); i++) {
      ResourceMonitor monitor = proto.getResourceMonitors(i);
      String monitorPath = path + ".resource_monitors[" + i + "]";
      if (monitors.containsKey(monitor.getName())
          || (maxConnections.isPresent()
              && monitor.getName().equals(GLOBAL_DOWNSTREAM_MAX_CONNECTIONS))) {
        throw new ConfigException(
            monitorPath + ".name", "duplicate resource monitor " + monitor.getName());
      }
      if (monitor.getName().equals(GLOBAL_DOWNSTREAM_MAX_CONNECTIONS)) {
        maxConnections = OptionalLong.of(maxActiveDownstreamConnections(monitor, monitorPath));
      } else {
        monitors.put(monitor.getName(), fixedHeapMaxBytes(monitor, monitorPath));
      }
    }
    Set<String> names = new HashSet<>(monitors.keySet());
    if (maxConnections.isPresent()) {
      names.add(GLOBAL_DOWNSTREAM_MAX_CONNECTIONS);
    }
    Map<OverloadActionName, List<OverloadTrigger>> actions =
        new EnumMap<>(OverloadActionName.class);
    for (int i = 0; i < proto.getActionsCount(); i++) {
      OverloadAction action = proto.getActions(i);
      String actionPath = path + ".actions[" + i + "]";
      OverloadActionName name =
          OverloadActionName.of(action.getName())
              .orElseThrow(
                  () ->
                      new ConfigException(
                          actionPath + ".name",
                          "overload action '"
                              + action.getName()
                              + "' is not supported; "
                              + supportedActions()
                              + " are"));
      if (action.hasTypedConfig()) {
        throw new ConfigException(
            actionPath + ".typed_config",
            "overload action \"" + action.getName() + "\" has an unexpected typed_config");
      }
      if (action.getTriggersCount() == 0) {
        throw new ConfigException(actionPath + ".triggers", "needs at least one trigger");
      }
      List<OverloadTrigger> triggers = new ArrayList<>();
      for (int t = 0; t < action.getTriggersCount(); t++) {
        OverloadTrigger trigger =
            trigger(action.getTriggers(t), actionPath + ".triggers[" + t + "]", names);
        if (triggers.stream().anyMatch(x -> x.resource().equals(trigger.resource()))) {
          throw new ConfigException(
              actionPath + ".triggers[" + t + "].name",
              "duplicate trigger resource for overload action " + action.getName());
        }
        triggers.add(trigger);
      }
      if (actions.put(name, triggers) != null) {
        throw new ConfigException(
            actionPath + ".name", "duplicate overload action " + action.getName());
      }
    }
    return new OverloadManagerConfig(refresh, monitors, maxConnections, actions);
  }

  private static long maxActiveDownstreamConnections(ResourceMonitor monitor, String path)
      throws ConfigException {
    if (!monitor.hasTypedConfig()
        || !monitor.getTypedConfig().getTypeUrl().equals(DOWNSTREAM_CONNECTIONS_TYPE)) {
      throw new ConfigException(
          path + ".typed_config",
          GLOBAL_DOWNSTREAM_MAX_CONNECTIONS
              + " needs a DownstreamConnectionsConfig with max_active_downstream_connections");
    }
    DownstreamConnectionsConfig config;
    try {
      config = monitor.getTypedConfig().unpack(DownstreamConnectionsConfig.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ConfigException(
          path + ".typed_config", "is not a valid DownstreamConnectionsConfig", e);
    }
    if (config.getMaxActiveDownstreamConnections() <= 0) {
      throw new ConfigException(
          path + ".typed_config.max_active_downstream_connections", "must be greater than 0");
    }
    return config.getMaxActiveDownstreamConnections();
  }

  private static long fixedHeapMaxBytes(ResourceMonitor monitor, String path)
      throws ConfigException {
    if (monitor.getName().isEmpty()) {
      throw new ConfigException(path + ".name", "is required");
    }
    boolean typed = monitor.hasTypedConfig();
    String typeUrl = typed ? monitor.getTypedConfig().getTypeUrl() : "";
    if (typed ? !typeUrl.equals(FIXED_HEAP_TYPE) : !monitor.getName().equals(FIXED_HEAP)) {
      throw new ConfigException(
          typed ? path + ".typed_config" : path + ".name",
          "resource monitor "
              + (typed ? typeUrl.substring(typeUrl.lastIndexOf('/') + 1) : monitor.getName())
              + " is not supported; "
              + FIXED_HEAP
              + " and "
              + GLOBAL_DOWNSTREAM_MAX_CONNECTIONS
              + " are");
    }
    if (!typed) {
      throw new ConfigException(
          path + ".typed_config", "fixed_heap needs a FixedHeapConfig with max_heap_size_bytes");
    }
    FixedHeapConfig config;
    try {
      config = monitor.getTypedConfig().unpack(FixedHeapConfig.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new ConfigException(path + ".typed_config", "is not a valid FixedHeapConfig", e);
    }
    if (config.getMaxHeapSizeBytes() <= 0) {
      throw new ConfigException(
          path + ".typed_config.max_heap_size_bytes", "must be greater than 0");
    }
    return config.getMaxHeapSizeBytes();
  }

  private static OverloadTrigger trigger(Trigger proto, String path, Set<String> monitors)
      throws ConfigException {
    if (!monitors.contains(proto.getName())) {
      throw new ConfigException(
          path + ".name", "unknown trigger resource '" + proto.getName() + "'");
    }
    return switch (proto.getTriggerOneofCase()) {
      case THRESHOLD -> {
        double value = proto.getThreshold().getValue();
        requireFraction(value, path + ".threshold.value");
        yield new OverloadTrigger.Threshold(proto.getName(), value);
      }
      case SCALED -> {
        double scaling = proto.getScaled().getScalingThreshold();
        double saturation = proto.getScaled().getSaturationThreshold();
        requireFraction(scaling, path + ".scaled.scaling_threshold");
        requireFraction(saturation, path + ".scaled.saturation_threshold");
        if (scaling >= saturation) {
          throw new ConfigException(
              path + ".scaled", "scaling_threshold must be less than saturation_threshold");
        }
        yield new OverloadTrigger.Scaled(proto.getName(), scaling, saturation);
      }
      case TRIGGERONEOF_NOT_SET ->
          throw new ConfigException(path, "needs a threshold or a scaled trigger");
    };
  }

  private static void requireFraction(double value, String path) throws ConfigException {
    if (!(value >= 0.0 && value <= 1.0)) {
      throw new ConfigException(path, "must be between 0 and 1");
    }
  }

  private static String supportedActions() {
    return java.util.Arrays.stream(OverloadActionName.values())
        .map(OverloadActionName::envoyName)
        .collect(Collectors.joining(", "));
  }
}
