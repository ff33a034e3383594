package io.attache.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.core.v3.Node;

/**
 * The fixed facts {@code /server_info} reports: the proxy version, the bootstrap's node, and the
 * subset of Envoy's command-line options that Attaché's launcher has an equivalent for.
 */
public record ServerDetails(String version, Node node, CommandLineOptions commandLineOptions) {
  public static final ServerDetails UNKNOWN =
      new ServerDetails(
          "unknown", Node.getDefaultInstance(), CommandLineOptions.getDefaultInstance());
}
