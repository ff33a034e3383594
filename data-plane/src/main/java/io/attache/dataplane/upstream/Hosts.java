package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.host.HealthFlags;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.host.Locality;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Builds {@link Host}s from configured endpoints; never resolves names. */
final class Hosts {
  private Hosts() {}

  static Host host(
      LocalityEndpoints locality,
      EndpointDefinition endpoint,
      InetAddress address,
      String dnsName,
      Host previous) {
    String hostname = endpoint.hostname().isEmpty() ? dnsName : endpoint.hostname();
    return new Host(
        new InetSocketAddress(address, endpoint.port()),
        hostname,
        endpoint.loadBalancingWeight(),
        locality.locality(),
        locality.priority(),
        endpoint.health(),
        previous == null ? new HostStats() : previous.stats(),
        previous == null ? new HealthFlags() : previous.healthFlags());
  }

  /** The address of an IP literal, validated as one when the definition was parsed. */
  static InetAddress literal(String ip) {
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
    try {
      return InetAddress.getByAddress(Objects.requireNonNull(bytes, ip));
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: " + ip, e);
    }
  }

  /**
   * The host of {@code previous} with the same address, or null; its stats, load and health flags
   * carry over to the new Host.
   */
  static Host sameAddress(InetSocketAddress address, List<Host> previous) {
    for (Host host : previous) {
      if (host.address().equals(address)) {
        return host;
      }
    }
    return null;
  }

  static boolean sameAddresses(List<Host> a, List<Host> b) {
    if (a.size() != b.size()) {
      return false;
    }
    List<InetSocketAddress> left = new ArrayList<>();
    a.forEach(h -> left.add(h.address()));
    List<InetSocketAddress> right = new ArrayList<>();
    b.forEach(h -> right.add(h.address()));
    return left.equals(right);
  }

  /**
   * Per priority, the weight of each locality ({@code load_balancing_weight}; first entry wins).
   */
  static Map<Integer, Map<Locality, Integer>> localityWeights(
      ClusterDefinition.LoadAssignment assignment) {
    Map<Integer, Map<Locality, Integer>> weights = new java.util.HashMap<>();
    for (LocalityEndpoints locality : assignment.endpoints()) {
      weights
          .computeIfAbsent(locality.priority(), p -> new java.util.HashMap<>())
          .putIfAbsent(locality.locality(), locality.loadBalancingWeight());
    }
    return weights;
  }
}
