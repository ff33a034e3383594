package io.attache.controlplane.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine;

/**
 * A policy or raw-resource kind as typed on the command line, e.g. {@code services}, {@code svc},
 * {@code route}.
 */
enum ResourceKind {
  SERVICES("Service", "/api/v1/services", "services", "service", "svc"),
  ROUTES("Route", "/api/v1/routes", "routes", "route", "rt"),
  AUTHORIZATIONS(
      "Authorization", "/api/v1/authorizations", "authorizations", "authorization", "authz"),
  DEFAULTS("MeshDefaults", "/api/v1/defaults", "defaults", "meshdefaults"),
  CLUSTERS("EnvoyCluster", "/api/v1/raw/clusters", "clusters", "cluster"),
  ENDPOINTS(
      "EnvoyClusterLoadAssignment", "/api/v1/raw/endpoints", "endpoints", "clusterloadassignments"),
  ROUTE_CONFIGURATIONS(
      "EnvoyRouteConfiguration", "/api/v1/raw/routes", "routeconfigurations", "routeconfiguration"),
  LISTENERS("EnvoyListener", "/api/v1/raw/listeners", "listeners", "listener");

  final String documentKind;
  final String path;
  final List<String> names;

  ResourceKind(String documentKind, String path, String... names) {
    this.documentKind = documentKind;
    this.path = path;
    this.names = List.of(names);
  }

  static ResourceKind parse(String typed) {
    String lower = typed.toLowerCase(Locale.ROOT);
    for (ResourceKind kind : values()) {
      if (kind.names.contains(lower) || kind.documentKind.toLowerCase(Locale.ROOT).equals(lower)) {
        return kind;
      }
    }
    List<String> known = new ArrayList<>();
    for (ResourceKind kind : values()) {
      known.add(kind.names.get(0));
    }
    throw new CommandLine.ParameterException(
        new CommandLine(new AttacheCli()),
        "unknown kind '" + typed + "'; one of " + String.join(", ", known));
  }
}
