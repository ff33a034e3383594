package io.attache.dataplane.router;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost.TlsRequirementType;
import io.netty.handler.codec.http.HttpRequest;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The routing engine: an immutable table compiled once from an Envoy {@code RouteConfiguration},
 * answering one {@link RouteDecision} per request with Envoy's matching semantics. Thread-safe and
 * shared; {@link #route} runs on the event loop, never blocks, and never compiles a regex.
 */
public final class RouteTable {
  /** One compiled {@code VirtualHost}. */
  record VirtualHostEntry(String name, List<CompiledRoute> routes, TlsRequirementType requireTls) {}

  private final String name;
  private final DomainIndex<VirtualHostEntry> domains;
  private final RouteTableOptions options;
  private final boolean ignorePortInHostMatching;
  private final boolean ignorePathParameters;
  private final List<String> internalOnlyHeaders;
  private final Set<String> referencedClusters;
  private final Set<String> runtimeKeys;

  RouteTable(
      String name,
      DomainIndex<VirtualHostEntry> domains,
      RouteTableOptions options,
      boolean ignorePortInHostMatching,
      boolean ignorePathParameters,
      List<String> internalOnlyHeaders,
      Set<String> referencedClusters,
      Set<String> runtimeKeys) {
    this.name = name;
    this.domains = domains;
    this.options = options;
    this.ignorePortInHostMatching = ignorePortInHostMatching;
    this.ignorePathParameters = ignorePathParameters;
    this.internalOnlyHeaders = internalOnlyHeaders;
    this.referencedClusters = referencedClusters;
    this.runtimeKeys = runtimeKeys;
  }

  /**
   * Validates and compiles {@code config}.
   *
   * @param fieldPath where {@code config} sits, prefixed to every error's field path (e.g. {@code
   *     route_config})
   * @throws ConfigException naming the first offending field
   */
  public static RouteTable compile(RouteConfiguration config, String fieldPath)
      throws ConfigException {
    return compile(config, fieldPath, RouteTableOptions.DEFAULT);
  }

  public static RouteTable compile(
      RouteConfiguration config, String fieldPath, RouteTableOptions options)
      throws ConfigException {
    return new RouteCompiler(config, fieldPath, Objects.requireNonNull(options)).compile();
  }

  /** {@code RouteConfiguration.name}. */
  public String name() {
    return name;
  }

  /**
   * {@code internal_only_headers}: the integrator removes these from external requests before
   * routing, as Envoy's connection manager does.
   */
  public List<String> internalOnlyHeaders() {
    return internalOnlyHeaders;
  }

  /**
   * Every cluster named by {@code cluster}, {@code weighted_clusters} or a request mirror policy's
   * {@code cluster}: the integrator checks them against the cluster manager when {@code
   * validate_clusters} asks for it.
   */
  public Set<String> referencedClusters() {
    return referencedClusters;
  }

  /** Every {@code runtime_fraction.runtime_key} its routes read from the runtime. */
  public Set<String> runtimeKeys() {
    return runtimeKeys;
  }

  /**
   * Routes with the default context: scheme from {@code x-forwarded-proto} (else http), no source
   * address.
   */
  public RouteDecision route(HttpRequest request, RandomSource random) {
    return route(request, random, RequestContext.DEFAULT);
  }

  public RouteDecision route(HttpRequest request, RandomSource random, RequestContext context) {
    String authority = effectiveAuthority(request);
    VirtualHostEntry virtualHost;
    if (domains.onlyCatchAll()) {
      virtualHost = domains.find("");
    } else if (authority.isEmpty()) {
      return RouteDecision.NoRoute.INSTANCE;
    } else {
      String host = authority;
      if (ignorePortInHostMatching) {
        int portStart = portStart(host);
        if (portStart >= 0) {
          host = host.substring(0, portStart);
        }
      }
      virtualHost = domains.find(host.toLowerCase(Locale.ROOT));
    }
    if (virtualHost == null) {
      return RouteDecision.NoRoute.INSTANCE;
    }
    RequestView view = new RequestView(request, authority, context, ignorePathParameters, random);
    if (requiresTlsRedirect(virtualHost.requireTls(), view)) {
      return new RouteDecision.Redirect(
          301, "https://" + authority + view.uri, HeaderMutations.NONE, "");
    }
    List<CompiledRoute> routes = virtualHost.routes();
    for (int i = 0; i < routes.size(); i++) {
      CompiledRoute route = routes.get(i);
      if (route.matches(view)) {
        return route.decide(view);
      }
    }
    return RouteDecision.NoRoute.INSTANCE;
  }

  private static boolean requiresTlsRedirect(TlsRequirementType requirement, RequestView view) {
    // Envoy asks x-forwarded-proto, which the connection manager has already set from the
    // connection or kept from a trusted client (RequestTrust); the connection's own scheme only
    // where no one set the header (a route table used outside a connection manager).
    String forwardedProto = view.headers.get("x-forwarded-proto");
    if ("https".equals(forwardedProto == null ? view.scheme : forwardedProto)) {
      return false;
    }
    return switch (requirement) {
      case ALL -> true;
      case EXTERNAL_ONLY -> !"true".equals(view.headers.get("x-envoy-internal"));
      default -> false;
    };
  }

  /**
   * The authority routing uses: the {@code host} header, with the port removed when the HCM's
   * {@code strip_any_host_port} or {@code strip_matching_host_port} option says so. Envoy forwards
   * this stripped value upstream too.
   */
  public String effectiveAuthority(HttpRequest request) {
    String host = request.headers().get("host");
    if (host == null) {
      return "";
    }
    if (options.hostPortStripping() == RouteTableOptions.HostPortStripping.NONE) {
      return host;
    }
    int portStart = portStart(host);
    if (portStart < 0) {
      return host;
    }
    if (options.hostPortStripping() == RouteTableOptions.HostPortStripping.STRIP_MATCHING_HOST_PORT
        && !host.substring(portStart + 1).equals(Integer.toString(options.listenerPort()))) {
      return host;
    }
    return host.substring(0, portStart);
  }

  /** Where the {@code :port} of an authority starts, as Envoy finds it; -1 when there is none. */
  static int portStart(String host) {
    int colon = host.lastIndexOf(':');
    if (colon < 0) {
      return -1;
    }
    int v6End = host.lastIndexOf(']');
    if (v6End > colon) {
      return -1;
    }
    if (colon + 1 >= host.length()) {
      return -1;
    }
    for (int i = colon + 1; i < host.length(); i++) {
      if (!Character.isDigit(host.charAt(i))) {
        return -1;
      }
    }
    return colon;
  }
}
