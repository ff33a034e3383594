package io.attache.controlplane.validate;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.Durations;
import com.google.re2j.PatternSyntaxException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.DiscoveryType;
import io.envoyproxy.envoy.config.cluster.v3.Cluster.LbPolicy;
import io.envoyproxy.envoy.config.core.v3.Address;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.endpoint.v3.LbEndpoint;
import io.envoyproxy.envoy.config.endpoint.v3.LocalityLbEndpoints;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.config.route.v3.RetryPolicy;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The checks a stock Envoy makes when it loads a resource, beyond the PGV rules {@link
 * EnvoyRuleValidator} evaluates — each one found by the REST validator's property test against a
 * real Envoy (RawResourceValidityIT), which NACKed what PGV let through: IP-only addresses where
 * Envoy does not resolve names, LOGICAL_DNS's single host, the cluster-provided load balancer,
 * ring-hash bounds, unique and single-wildcard domains, RE2 regexes, positive weight sums, pseudo
 * and host headers that may not be rewritten, retry back-off bounds, listeners' filter chains (at
 * least one, no two alike, the router last, a server certificate for TLS) and the clusters an
 * inline route table names. Pure: reads resources only, and the messages quote Envoy's own.
 */
public final class EnvoyLoadRules {

  private static final String ROUTER_TYPE =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";
  private static final String DOWNSTREAM_TLS_TYPE =
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext";
  private static final String HCM_TYPE =
      "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
          + ".HttpConnectionManager";

  private EnvoyLoadRules() {}

  /** A cluster as Envoy's cluster manager would load it. */
  public static List<Violation> cluster(Cluster cluster) {
    List<Violation> out = new ArrayList<>();
    DiscoveryType type = cluster.getType();
    boolean providesLb = type == DiscoveryType.ORIGINAL_DST;
    if (cluster.getLbPolicy() == LbPolicy.CLUSTER_PROVIDED && !providesLb) {
      out.add(
          new Violation(
              "lb_policy",
              "cluster provided LB specified but cluster '"
                  + cluster.getName()
                  + "' did not provide one"));
    }
    if (type == DiscoveryType.ORIGINAL_DST
        && !cluster.hasClusterType()
        && cluster.getLbPolicy() != LbPolicy.CLUSTER_PROVIDED) {
      out.add(
          new Violation(
              "lb_policy",
              "LB policy "
                  + cluster.getLbPolicy()
                  + " is not valid for Cluster type ORIGINAL_DST. Only 'CLUSTER_PROVIDED' is allowed"));
    }
    if (cluster.getLbPolicy() == LbPolicy.RING_HASH && cluster.hasRingHashLbConfig()) {
      var ring = cluster.getRingHashLbConfig();
      long min = ring.hasMinimumRingSize() ? ring.getMinimumRingSize().getValue() : 1024;
      long max = ring.hasMaximumRingSize() ? ring.getMaximumRingSize().getValue() : 8 * 1024 * 1024;
      if (min > max) {
        out.add(
            new Violation(
                "ring_hash_lb_config",
                "minimum_ring_size (" + min + ") > maximum_ring_size (" + max + ")"));
      }
    }
    if (type == DiscoveryType.LOGICAL_DNS
        && (cluster.getLoadAssignment().getEndpointsCount() != 1
            || cluster.getLoadAssignment().getEndpoints(0).getLbEndpointsCount() != 1)) {
      out.add(
          new Violation(
              "load_assignment",
              "LOGICAL_DNS clusters must have a single locality_lb_endpoint and a single"
                  + " lb_endpoint"));
    }
    if (type == DiscoveryType.STATIC) {
      endpointAddresses(cluster.getLoadAssignment(), "load_assignment.", out);
    }
    return out;
  }

  /** Endpoints as EDS delivers them: Envoy resolves no names there. */
  public static List<Violation> endpoints(ClusterLoadAssignment assignment) {
    List<Violation> out = new ArrayList<>();
    endpointAddresses(assignment, "", out);
    return out;
  }

  /** A route table, wherever it comes from (RDS, or inline in a listener's HCM). */
  public static List<Violation> routes(RouteConfiguration routes) {
    List<Violation> out = new ArrayList<>();
    Set<String> domains = new HashSet<>();
    boolean catchAll = false;
    headerMutations(
        routes.getRequestHeadersToAddList(), routes.getRequestHeadersToRemoveList(), "", out);
    for (int v = 0; v < routes.getVirtualHostsCount(); v++) {
      VirtualHost host = routes.getVirtualHosts(v);
      String hostPath = "virtual_hosts[" + v + "]";
      for (int d = 0; d < host.getDomainsCount(); d++) {
        String domain = host.getDomains(d).toLowerCase(Locale.ROOT);
        if (domain.equals("*")) {
          if (catchAll) {
            out.add(
                new Violation(
                    hostPath + ".domains[" + d + "]",
                    "Only a single wildcard domain is permitted in route " + routes.getName()));
          }
          catchAll = true;
        } else if (!domains.add(domain)) {
          out.add(
              new Violation(
                  hostPath + ".domains[" + d + "]",
                  "Only unique values for domains are permitted. Duplicate entry of domain "
                      + domain
                      + " in route "
                      + routes.getName()));
        }
      }
      headerMutations(
          host.getRequestHeadersToAddList(), host.getRequestHeadersToRemoveList(), hostPath, out);
      if (host.hasRetryPolicy()) {
        retryBackOff(host.getRetryPolicy(), hostPath + ".retry_policy", out);
      }
      for (int r = 0; r < host.getRoutesCount(); r++) {
        route(host.getRoutes(r), hostPath + ".routes[" + r + "]", out);
      }
    }
    return out;
  }

  /**
   * A listener: IP addresses, and the inline route tables of its HTTP connection managers — whose
   * clusters Envoy checks against the ones it has unless {@code validate_clusters} is false.
   */
  public static List<Violation> listener(Listener listener, Set<String> knownClusters) {
    List<Violation> out = new ArrayList<>();
    address(listener.getAddress(), "address", out);
    if (listener.getFilterChainsCount() == 0
        && !listener.hasDefaultFilterChain()
        && !listener.hasApiListener()) {
      out.add(new Violation("filter_chains", "no filter chains specified"));
    }
    Set<FilterChainMatch> matches = new HashSet<>();
    for (int c = 0; c < listener.getFilterChainsCount(); c++) {
      FilterChain chain = listener.getFilterChains(c);
      tlsCertificates(chain, "filter_chains[" + c + "].transport_socket", out);
      if (!matches.add(chain.getFilterChainMatch())) {
        out.add(
            new Violation(
                "filter_chains[" + c + "].filter_chain_match",
                "filter chain '"
                    + chain.getName()
                    + "' has the same matching rules defined as an earlier one"));
      }
      for (int f = 0; f < chain.getFiltersCount(); f++) {
        Filter filter = chain.getFilters(f);
        if (!filter.getTypedConfig().getTypeUrl().equals(HCM_TYPE)) {
          continue;
        }
        String path = "filter_chains[" + c + "].filters[" + f + "].typed_config";
        HttpConnectionManager hcm;
        try {
          hcm = filter.getTypedConfig().unpack(HttpConnectionManager.class);
        } catch (InvalidProtocolBufferException unreadable) {
          continue; // the PGV walk reports what it cannot read
        }
        httpFilters(hcm, path, out);
        if (!hcm.hasRouteConfig()) {
          continue;
        }
        RouteConfiguration inline = hcm.getRouteConfig();
        for (Violation v : routes(inline)) {
          out.add(v.under(path + ".route_config"));
        }
        boolean validateClusters =
            !inline.hasValidateClusters() || inline.getValidateClusters().getValue();
        if (validateClusters) {
          clustersNamed(inline, path + ".route_config", knownClusters, out);
        }
      }
    }
    return out;
  }

  /** A downstream TLS context must say where the server's certificate comes from. */
  private static void tlsCertificates(FilterChain chain, String path, List<Violation> out) {
    if (!chain.getTransportSocket().getTypedConfig().getTypeUrl().equals(DOWNSTREAM_TLS_TYPE)) {
      return;
    }
    CommonTlsContext tls;
    try {
      tls =
          chain
              .getTransportSocket()
              .getTypedConfig()
              .unpack(DownstreamTlsContext.class)
              .getCommonTlsContext();
    } catch (InvalidProtocolBufferException unreadable) {
      return; // the PGV walk reports what it cannot read
    }
    if (tls.getTlsCertificatesCount() == 0
        && tls.getTlsCertificateSdsSecretConfigsCount() == 0
        && !tls.hasTlsCertificateProviderInstance()) {
      out.add(
          new Violation(
              path + ".typed_config.common_tls_context",
              "No TLS certificates found for server context"));
    }
  }

  /** The router is terminal: it must be there last, and nothing may follow it. */
  private static void httpFilters(HttpConnectionManager hcm, String path, List<Violation> out) {
    int count = hcm.getHttpFiltersCount();
    for (int i = 0; i < count; i++) {
      HttpFilter filter = hcm.getHttpFilters(i);
      boolean router = filter.getTypedConfig().getTypeUrl().equals(ROUTER_TYPE);
      if (router && i != count - 1) {
        out.add(
            new Violation(
                path + ".http_filters[" + i + "]",
                "terminal filter named "
                    + filter.getName()
                    + " of type envoy.filters.http.router must be the last filter in a http filter"
                    + " chain"));
      } else if (!router && i == count - 1) {
        out.add(
            new Violation(
                path + ".http_filters[" + i + "]",
                "non-terminal filter named "
                    + filter.getName()
                    + " is the last filter in a http filter chain"));
      }
    }
  }

  private static void clustersNamed(
      RouteConfiguration routes, String prefix, Set<String> known, List<Violation> out) {
    for (int v = 0; v < routes.getVirtualHostsCount(); v++) {
      VirtualHost host = routes.getVirtualHosts(v);
      for (int r = 0; r < host.getRoutesCount(); r++) {
        RouteAction action = host.getRoutes(r).getRoute();
        String path = prefix + ".virtual_hosts[" + v + "].routes[" + r + "].route";
        if (!action.getCluster().isEmpty() && !known.contains(action.getCluster())) {
          out.add(
              new Violation(
                  path + ".cluster",
                  "route: unknown cluster '"
                      + action.getCluster()
                      + "' (an inline route table's clusters must exist, unless validate_clusters"
                      + " is false)"));
        }
        for (int w = 0; w < action.getWeightedClusters().getClustersCount(); w++) {
          String name = action.getWeightedClusters().getClusters(w).getName();
          if (!name.isEmpty() && !known.contains(name)) {
            out.add(
                new Violation(
                    path + ".weighted_clusters.clusters[" + w + "].name",
                    "route: unknown weighted cluster '"
                        + name
                        + "' (an inline route table's clusters must exist, unless"
                        + " validate_clusters is false)"));
          }
        }
      }
    }
  }

  private static void route(Route route, String path, List<Violation> out) {
    if (route.getMatch().hasSafeRegex()) {
      regex(route.getMatch().getSafeRegex(), path + ".match.safe_regex.regex", out);
    }
    for (int h = 0; h < route.getMatch().getHeadersCount(); h++) {
      HeaderMatcher header = route.getMatch().getHeaders(h);
      String headerPath = path + ".match.headers[" + h + "]";
      if (header.hasSafeRegexMatch()) {
        regex(header.getSafeRegexMatch(), headerPath + ".safe_regex_match.regex", out);
      }
      if (header.getStringMatch().hasSafeRegex()) {
        regex(
            header.getStringMatch().getSafeRegex(),
            headerPath + ".string_match.safe_regex.regex",
            out);
      }
    }
    headerMutations(
        route.getRequestHeadersToAddList(), route.getRequestHeadersToRemoveList(), path, out);
    if (route.getRoute().hasRetryPolicy()) {
      retryBackOff(route.getRoute().getRetryPolicy(), path + ".route.retry_policy", out);
    }
    if (route.getRoute().hasWeightedClusters()) {
      WeightedCluster weighted = route.getRoute().getWeightedClusters();
      long sum = 0;
      for (WeightedCluster.ClusterWeight w : weighted.getClustersList()) {
        sum += w.hasWeight() ? w.getWeight().getValue() : 0;
      }
      if (sum == 0) {
        out.add(
            new Violation(
                path + ".route.weighted_clusters",
                "Sum of weights in the weighted_cluster must be greater than 0."));
      }
    }
  }

  private static void retryBackOff(RetryPolicy retry, String path, List<Violation> out) {
    if (!retry.hasRetryBackOff() || !retry.getRetryBackOff().hasMaxInterval()) {
      return;
    }
    Duration base = retry.getRetryBackOff().getBaseInterval();
    Duration max = retry.getRetryBackOff().getMaxInterval();
    if (Durations.compare(max, base) < 0) {
      out.add(
          new Violation(
              path + ".retry_back_off.max_interval",
              "retry_policy.max_interval must greater than or equal to the base_interval"));
    }
  }

  /** Envoy compiles {@code safe_regex} with RE2: no lookaround, no backreferences. */
  private static void regex(RegexMatcher matcher, String path, List<Violation> out) {
    try {
      com.google.re2j.Pattern.compile(matcher.getRegex());
    } catch (PatternSyntaxException e) {
      out.add(new Violation(path, "not an RE2 regex: " + e.getMessage()));
    }
  }

  private static void headerMutations(
      List<HeaderValueOption> add, List<String> remove, String path, List<Violation> out) {
    for (int i = 0; i < add.size(); i++) {
      String key = add.get(i).getHeader().getKey().toLowerCase(Locale.ROOT);
      if (key.startsWith(":") || key.equals("host")) {
        out.add(
            new Violation(
                join(path, "request_headers_to_add[" + i + "].header.key"),
                ":-prefixed or host headers may not be modified"));
      }
    }
    for (int i = 0; i < remove.size(); i++) {
      String key = remove.get(i).toLowerCase(Locale.ROOT);
      if (key.startsWith(":") || key.equals("host")) {
        out.add(
            new Violation(
                join(path, "request_headers_to_remove[" + i + "]"),
                ":-prefixed or host headers may not be removed"));
      }
    }
  }

  private static void endpointAddresses(
      ClusterLoadAssignment assignment, String prefix, List<Violation> out) {
    for (int l = 0; l < assignment.getEndpointsCount(); l++) {
      LocalityLbEndpoints locality = assignment.getEndpoints(l);
      for (int e = 0; e < locality.getLbEndpointsCount(); e++) {
        LbEndpoint endpoint = locality.getLbEndpoints(e);
        address(
            endpoint.getEndpoint().getAddress(),
            prefix + "endpoints[" + l + "].lb_endpoints[" + e + "].endpoint.address",
            out);
      }
    }
  }

  /** A socket address Envoy will not resolve must be an IP literal. */
  private static void address(Address address, String path, List<Violation> out) {
    if (!address.hasSocketAddress() || !address.getSocketAddress().getResolverName().isEmpty()) {
      return;
    }
    String ip = address.getSocketAddress().getAddress();
    if (!InetAddresses.isInetAddress(ip)) {
      out.add(
          new Violation(
              path + ".socket_address.address",
              "malformed IP address: "
                  + ip
                  + " (Envoy resolves names only in STRICT_DNS and"
                  + " LOGICAL_DNS clusters)"));
    }
  }

  private static String join(String path, String field) {
    return path.isEmpty() ? field : path + "." + field;
  }
}
