package io.attache.dataplane.upstream.dns;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Which address families a DNS cluster uses, as Envoy's {@code Cluster.DnsLookupFamily} means them.
 * Applying a family to a lookup's answer is pure and never touches the network.
 */
public enum DnsLookupFamily {
  /** IPv6 if the name has any IPv6 address, else IPv4 (Envoy's default). */
  AUTO,
  V4_ONLY,
  V6_ONLY,
  /** IPv4 if the name has any IPv4 address, else IPv6. */
  V4_PREFERRED,
  /** Every address of both families, IPv4 first. */
  ALL;

  public static DnsLookupFamily from(
      io.envoyproxy.envoy.config.cluster.v3.Cluster.DnsLookupFamily proto) {
    return switch (proto) {
      case AUTO, UNRECOGNIZED -> AUTO;
      case V4_ONLY -> V4_ONLY;
      case V6_ONLY -> V6_ONLY;
      case V4_PREFERRED -> V4_PREFERRED;
      case ALL -> ALL;
    };
  }

  /** The addresses of {@code answer} this family keeps, in the order a cluster should use them. */
  public <T> List<T> select(List<T> answer, Function<T, java.net.InetAddress> address) {
    List<T> v4 = new ArrayList<>();
    List<T> v6 = new ArrayList<>();
    for (T entry : answer) {
      java.net.InetAddress a = address.apply(entry);
      if (a instanceof Inet4Address) {
        v4.add(entry);
      } else if (a instanceof Inet6Address) {
        v6.add(entry);
      }
    }
    return switch (this) {
      case AUTO -> v6.isEmpty() ? v4 : v6;
      case V4_ONLY -> v4;
      case V6_ONLY -> v6;
      case V4_PREFERRED -> v4.isEmpty() ? v6 : v4;
      case ALL -> {
        List<T> all = new ArrayList<>(v4);
        all.addAll(v6);
        yield all;
      }
    };
  }
}
