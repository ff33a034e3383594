package io.attache.dataplane.xds;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.hcm.HttpFilterRegistry;
import io.attache.dataplane.router.RouteTable;
import io.attache.dataplane.router.RouteTableOptions;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.List;

/**
 * RDS: a RouteConfiguration is valid when the router compiles it ({@link RouteTable#compile}).
 * Host-port stripping depends on the listener and does not change what is valid, so the default
 * options are used here.
 */
final class RouteConfigResourceParser extends ResourceParser<RouteConfiguration> {
  RouteConfigResourceParser() {
    super(XdsResourceType.ROUTE, RouteConfiguration.class, "route_configs");
  }

  @Override
  String nameOf(RouteConfiguration proto) {
    return proto.getName();
  }

  @Override
  List<Dependency> validate(RouteConfiguration proto, String name, String path)
      throws ConfigException {
    RouteTable.compile(
        proto,
        path,
        RouteTableOptions.DEFAULT.withPerFilterParser(HttpFilterRegistry::parsePerRoute));
    return List.of();
  }
}
