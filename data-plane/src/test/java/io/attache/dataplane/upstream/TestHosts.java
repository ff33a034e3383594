package io.attache.dataplane.upstream;

import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.host.Locality;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;

/** Builds hosts for tests from an IP literal; never does a DNS lookup. */
public final class TestHosts {
  private TestHosts() {}

  public static Host host(String ip, int weight) {
    return host(ip, weight, 0, HostHealth.HEALTHY, Locality.NONE);
  }

  public static Host host(
      String ip, int weight, int priority, HostHealth health, Locality locality) {
    try {
      InetSocketAddress address =
          new InetSocketAddress(
              InetAddress.getByAddress(
                  ip, io.netty.util.NetUtil.createByteArrayFromIpAddressString(ip)),
              80);
      return new Host(address, "", weight, locality, priority, health, new HostStats());
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(ip, e);
    }
  }

  public static Host healthy(String ip) {
    return host(ip, 1);
  }

  public static Host unhealthy(String ip, int priority) {
    return host(ip, 1, priority, HostHealth.UNHEALTHY, Locality.NONE);
  }

  public static Host healthy(String ip, int priority) {
    return host(ip, 1, priority, HostHealth.HEALTHY, Locality.NONE);
  }

  public static Host degraded(String ip, int priority) {
    return host(ip, 1, priority, HostHealth.DEGRADED, Locality.NONE);
  }
}
