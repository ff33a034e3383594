package io.attache.dataplane.upstream;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One upstream endpoint a request can be sent to: its resolved address, the name it came from, and
 * what the load balancer weighs it by. Immutable apart from its stats; a DNS change makes a new
 * Host (carrying the old stats over when the address is unchanged), so a picked host never changes
 * under a connection pool.
 */
public final class Host {
  private final InetSocketAddress address;
  private final String hostname;
  private final int weight;
  private final Locality locality;
  private final int priority;
  private final HostHealth health;
  private final HostStats stats;

  public Host(
      InetSocketAddress address,
      String hostname,
      int weight,
      Locality locality,
      int priority,
      HostHealth health,
      HostStats stats) {
    if (weight < 1) {
      throw new IllegalArgumentException("weight must be >= 1: " + weight);
    }
    if (priority < 0) {
      throw new IllegalArgumentException("priority must be >= 0: " + priority);
    }
    this.address = Objects.requireNonNull(address);
    this.hostname = Objects.requireNonNull(hostname);
    this.weight = weight;
    this.locality = Objects.requireNonNull(locality);
    this.priority = priority;
    this.health = Objects.requireNonNull(health);
    this.stats = Objects.requireNonNull(stats);
  }

  public InetSocketAddress address() {
    return address;
  }

  /**
   * The DNS name the host was resolved from, or Envoy's {@code endpoint.hostname}; may be empty.
   */
  public String hostname() {
    return hostname;
  }

  public int weight() {
    return weight;
  }

  public Locality locality() {
    return locality;
  }

  public int priority() {
    return priority;
  }

  public HostHealth health() {
    return health;
  }

  public HostStats stats() {
    return stats;
  }

  /** Requests in flight on this host; what LEAST_REQUEST compares. */
  public long activeRequests() {
    return stats.rqActive();
  }

  /**
   * Envoy's address string ({@code 10.0.0.1:80}, {@code [fd00::1]:80}, IPv6 in its compressed
   * form); what RING_HASH hashes, so it must match Envoy's spelling exactly.
   */
  public String addressString() {
    String ip =
        address.getAddress() == null
            ? address.getHostString()
            : NetUtil.toAddressString(address.getAddress());
    return (ip.indexOf(':') >= 0 ? "[" + ip + "]" : ip) + ":" + address.getPort();
  }

  @Override
  public String toString() {
    return addressString() + (hostname.isEmpty() ? "" : "(" + hostname + ")");
  }
}
