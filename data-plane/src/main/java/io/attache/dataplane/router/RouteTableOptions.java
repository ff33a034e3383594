package io.attache.dataplane.router;

import io.attache.dataplane.runtime.Runtime;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import java.util.Objects;

/**
 * Compile-time options that come from the HTTP connection manager rather than the
 * RouteConfiguration.
 *
 * @param hostPortStripping HCM {@code strip_any_host_port} / {@code strip_matching_host_port}: the
 *     port is removed from the authority before routing (vhost selection, {@code :authority}
 *     matchers, redirects, host hashing). Envoy also forwards the stripped host; the integrator
 *     should do the same with {@link RouteTable#effectiveAuthority}.
 * @param listenerPort the listener's port, used by {@link
 *     HostPortStripping#STRIP_MATCHING_HOST_PORT}
 * @param perFilterParser parses {@code typed_per_filter_config} values for the HCM's filters
 * @param runtime the proxy's runtime: {@code runtime_fraction.runtime_key} is read from it per
 *     request, so a {@code /runtime_modify} applies to the next one
 */
public record RouteTableOptions(
    HostPortStripping hostPortStripping,
    int listenerPort,
    PerFilterConfigParser perFilterParser,
    Runtime runtime) {
  public static final RouteTableOptions DEFAULT =
      new RouteTableOptions(HostPortStripping.NONE, 0, PerFilterConfigParser.NONE);

  public RouteTableOptions {
    Objects.requireNonNull(hostPortStripping);
    Objects.requireNonNull(perFilterParser);
    Objects.requireNonNull(runtime);
  }

  public RouteTableOptions(HostPortStripping hostPortStripping, int listenerPort) {
    this(hostPortStripping, listenerPort, PerFilterConfigParser.NONE);
  }

  public RouteTableOptions(
      HostPortStripping hostPortStripping, int listenerPort, PerFilterConfigParser parser) {
    this(hostPortStripping, listenerPort, parser, RuntimeSnapshot.EMPTY);
  }

  /** These options with {@code parser} for per-filter configs. */
  public RouteTableOptions withPerFilterParser(PerFilterConfigParser parser) {
    return new RouteTableOptions(hostPortStripping, listenerPort, parser, runtime);
  }

  /** These options with the values of {@code runtime}. */
  public RouteTableOptions withRuntime(Runtime runtime) {
    return new RouteTableOptions(hostPortStripping, listenerPort, perFilterParser, runtime);
  }

  /** How the HCM treats a port in the Host header. */
  public enum HostPortStripping {
    NONE,
    STRIP_ANY_HOST_PORT,
    STRIP_MATCHING_HOST_PORT
  }
}
