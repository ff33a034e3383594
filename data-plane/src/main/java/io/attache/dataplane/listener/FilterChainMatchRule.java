package io.attache.dataplane.listener;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.listenerfilter.ConnectionProperties;
import io.attache.dataplane.matcher.CidrMatch;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch;
import io.envoyproxy.envoy.config.listener.v3.FilterChainMatch.ConnectionSourceType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * One filter chain's compiled {@code filter_chain_match}. Each criterion answers, for a connection,
 * how specifically it matches: {@link #NO_MATCH}, {@link #ANY} (the criterion is not set), or a
 * positive specificity (the longer the prefix or the server-name suffix, the higher). {@link
 * FilterChainSelector} walks the criteria in Envoy's order with these answers. Immutable.
 */
final class FilterChainMatchRule {
  static final int NO_MATCH = -1;
  static final int ANY = 0;

  /** Envoy's matching order; a chain is chosen criterion by criterion in this order. */
  enum Criterion {
    DESTINATION_PORT,
    DESTINATION_IP,
    SERVER_NAME,
    TRANSPORT_PROTOCOL,
    APPLICATION_PROTOCOL,
    DIRECT_SOURCE_IP,
    SOURCE_TYPE,
    SOURCE_IP,
    SOURCE_PORT
  }

  private final int destinationPort;
  private final List<CidrMatch> prefixRanges;
  private final Set<String> exactServerNames;
  private final List<String> wildcardSuffixes; // ".example.com" for "*.example.com"
  private final String transportProtocol;
  private final Set<String> applicationProtocols;
  private final List<CidrMatch> directSourcePrefixRanges;
  private final ConnectionSourceType sourceType;
  private final List<CidrMatch> sourcePrefixRanges;
  private final Set<Integer> sourcePorts;
  private final FilterChainMatch proto;

  private FilterChainMatchRule(FilterChainMatch m, String path) throws ConfigException {
    this.proto = m;
    refuseUnimplemented(m, path);
    if (m.hasDestinationPort()
        && (m.getDestinationPort().getValue() < 1 || m.getDestinationPort().getValue() > 65535)) {
      throw new ConfigException(path + ".destination_port", "must be in 1..65535");
    }
    this.destinationPort = m.hasDestinationPort() ? m.getDestinationPort().getValue() : 0;
    this.prefixRanges = cidrs(m.getPrefixRangesList(), path + ".prefix_ranges");
    Set<String> exact = new HashSet<>();
    List<String> wildcards = new ArrayList<>();
    for (int i = 0; i < m.getServerNamesCount(); i++) {
      String name = m.getServerNames(i).toLowerCase(Locale.ROOT);
      String namePath = path + ".server_names[" + i + "]";
      if (name.isEmpty()) {
        throw new ConfigException(namePath, "must not be empty");
      }
      if (name.startsWith("*.")) {
        if (name.indexOf('*', 1) >= 0) {
          throw new ConfigException(namePath, "partial wildcards are not supported");
        }
        wildcards.add(name.substring(1));
      } else if (name.contains("*")) {
        throw new ConfigException(
            namePath, "partial wildcards are not supported (only a leading '*.')");
      } else {
        exact.add(name);
      }
    }
    this.exactServerNames = Set.copyOf(exact);
    this.wildcardSuffixes = List.copyOf(wildcards);
    this.transportProtocol = m.getTransportProtocol();
    this.applicationProtocols = Set.copyOf(m.getApplicationProtocolsList());
    this.directSourcePrefixRanges =
        cidrs(m.getDirectSourcePrefixRangesList(), path + ".direct_source_prefix_ranges");
    if (m.getSourceType() == ConnectionSourceType.UNRECOGNIZED) {
      throw new ConfigException(path + ".source_type", "is not a known source type");
    }
    this.sourceType = m.getSourceType();
    this.sourcePrefixRanges = cidrs(m.getSourcePrefixRangesList(), path + ".source_prefix_ranges");
    Set<Integer> ports = new HashSet<>();
    for (int i = 0; i < m.getSourcePortsCount(); i++) {
      int port = m.getSourcePorts(i);
      if (port < 1 || port > 65535) {
        throw new ConfigException(path + ".source_ports[" + i + "]", "must be in 1..65535");
      }
      ports.add(port);
    }
    this.sourcePorts = Set.copyOf(ports);
  }

  /** The fields Envoy declares but never implemented: refused wherever they appear. */
  static void refuseUnimplemented(FilterChainMatch m, String path) throws ConfigException {
    if (!m.getAddressSuffix().isEmpty()) {
      throw new ConfigException(path + ".address_suffix", "is not implemented (nor in Envoy)");
    }
    if (m.hasSuffixLen()) {
      throw new ConfigException(path + ".suffix_len", "is not implemented (nor in Envoy)");
    }
  }

  static FilterChainMatchRule compile(FilterChainMatch m, String path) throws ConfigException {
    return new FilterChainMatchRule(m, path);
  }

  FilterChainMatch proto() {
    return proto;
  }

  /** How specifically this rule's {@code criterion} matches {@code c}. */
  int specificity(Criterion criterion, ConnectionProperties c) {
    return switch (criterion) {
      case DESTINATION_PORT ->
          destinationPort == 0 ? ANY : destinationPort == c.localAddress().getPort() ? 1 : NO_MATCH;
      case DESTINATION_IP -> longestPrefix(prefixRanges, c.localAddress().getAddress());
      case SERVER_NAME -> serverName(c.requestedServerName());
      case TRANSPORT_PROTOCOL ->
          transportProtocol.isEmpty()
              ? ANY
              : transportProtocol.equals(c.transportProtocol()) ? 1 : NO_MATCH;
      case APPLICATION_PROTOCOL -> {
        if (applicationProtocols.isEmpty()) {
          yield ANY;
        }
        for (String alpn : c.applicationProtocols()) {
          if (applicationProtocols.contains(alpn)) {
            yield 1;
          }
        }
        yield NO_MATCH;
      }
      // Attaché reads no PROXY protocol header: the directly connected peer is the remote address.
      case DIRECT_SOURCE_IP ->
          longestPrefix(directSourcePrefixRanges, c.remoteAddress().getAddress());
      case SOURCE_TYPE ->
          switch (sourceType) {
            case SAME_IP_OR_LOOPBACK -> sameIpOrLoopback(c) ? 1 : NO_MATCH;
            case EXTERNAL -> sameIpOrLoopback(c) ? NO_MATCH : 1;
            default -> ANY;
          };
      case SOURCE_IP -> longestPrefix(sourcePrefixRanges, c.remoteAddress().getAddress());
      case SOURCE_PORT ->
          sourcePorts.isEmpty()
              ? ANY
              : sourcePorts.contains(c.remoteAddress().getPort()) ? 1 : NO_MATCH;
    };
  }

  /** Exact beats wildcard; a longer wildcard suffix beats a shorter one, as in Envoy. */
  private int serverName(String sni) {
    if (exactServerNames.isEmpty() && wildcardSuffixes.isEmpty()) {
      return ANY;
    }
    if (sni.isEmpty()) {
      return NO_MATCH;
    }
    if (exactServerNames.contains(sni)) {
      return Integer.MAX_VALUE;
    }
    int best = NO_MATCH;
    for (String suffix : wildcardSuffixes) {
      if (sni.length() > suffix.length() && sni.endsWith(suffix)) {
        best = Math.max(best, suffix.length());
      }
    }
    return best;
  }

  /** Specificity 1 + prefix length, so a /0 range still beats "not set". */
  private static int longestPrefix(List<CidrMatch> ranges, InetAddress address) {
    if (ranges.isEmpty()) {
      return ANY;
    }
    int best = NO_MATCH;
    for (CidrMatch range : ranges) {
      if (range.contains(address)) {
        best = Math.max(best, 1 + range.prefixLen());
      }
    }
    return best;
  }

  private static boolean sameIpOrLoopback(ConnectionProperties c) {
    InetAddress remote = c.remoteAddress().getAddress();
    return remote.isLoopbackAddress() || remote.equals(c.localAddress().getAddress());
  }

  private static List<CidrMatch> cidrs(List<CidrRange> ranges, String path) throws ConfigException {
    List<CidrMatch> out = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      out.add(CidrMatch.compile(ranges.get(i), path + "[" + i + "]"));
    }
    return List.copyOf(out);
  }
}
