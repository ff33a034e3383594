package io.attache.dataplane.hcm;

import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Optional;

/**
 * Where an HCM's {@code rds.route_config_name} is looked up when its listener is built: the route
 * configurations of the ADS snapshot being applied. A lookup only; it never fetches anything.
 */
@FunctionalInterface
public interface RouteConfigSource {
  /** For listeners from the bootstrap file: there is no RDS to look in. */
  RouteConfigSource NONE = name -> Optional.empty();

  /** The route configuration of that name, or empty when it has not arrived. */
  Optional<RouteConfiguration> routeConfig(String name);
}
