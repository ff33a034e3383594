package io.attache.dataplane.hcm;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * The connection manager's {@code upgrade_configs}: which HTTP/1.1 {@code Upgrade} types, and
 * {@code CONNECT} (the method of an HTTP/1.1 or HTTP/2 CONNECT request), compared
 * case-insensitively as Envoy does, it lets through, and whether each is on unless a route says
 * otherwise. Decides one upgrade request as Envoy's {@code createUpgradeFilterChain}: a type the
 * connection manager does not list is refused whatever the route says; a listed one follows the
 * route's {@code RouteAction.upgrade_configs} entry, else its own {@code enabled}. Immutable; never
 * touches a connection.
 */
public record UpgradeConfigs(Map<String, Boolean> enabledByType) {
  public static final UpgradeConfigs NONE = new UpgradeConfigs(Map.of());

  public UpgradeConfigs {
    enabledByType = Map.copyOf(enabledByType);
  }

  static UpgradeConfigs from(HttpConnectionManager hcm, String path) throws ConfigException {
    if (hcm.getUpgradeConfigsCount() == 0) {
      return NONE;
    }
    Map<String, Boolean> byType = new LinkedHashMap<>();
    for (int i = 0; i < hcm.getUpgradeConfigsCount(); i++) {
      HttpConnectionManager.UpgradeConfig config = hcm.getUpgradeConfigs(i);
      String at = path + ".upgrade_configs[" + i + "]";
      String type = config.getUpgradeType().toLowerCase(Locale.ROOT);
      if (type.isEmpty()) {
        throw new ConfigException(at + ".upgrade_type", "must not be empty");
      }
      if (byType.putIfAbsent(type, !config.hasEnabled() || config.getEnabled().getValue())
          != null) {
        throw new ConfigException(at + ".upgrade_type", "duplicate upgrade type " + type);
      }
    }
    return new UpgradeConfigs(byType);
  }

  /**
   * Whether an upgrade to {@code type} may go ahead on a route whose own {@code upgrade_configs}
   * are {@code routeEnabledByType} (lower-case keys; empty without a route).
   */
  public boolean allows(String type, Map<String, Boolean> routeEnabledByType) {
    String key = type.toLowerCase(Locale.ROOT);
    Boolean configured = enabledByType.get(key);
    if (configured == null) {
      return false;
    }
    return routeEnabledByType.getOrDefault(key, configured);
  }
}
