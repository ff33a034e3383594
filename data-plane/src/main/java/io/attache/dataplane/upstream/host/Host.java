package io.attache.dataplane.upstream.host;

import io.netty.util.NetUtil;
import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * One upstream endpoint a request can be sent to: its resolved address, the name it came from, and
 * what the load balancer weighs it by. Immutable apart from its stats and its runtime health flags;
 * a DNS change makes a new Host (carrying the old stats and flags over when the address is
 * unchanged), so a picked host never changes under a connection pool.
 */
public final class Host {
  private final InetSocketAddress address;
  private final String hostname;
  private final int weight;
  private final Locality locality;
  private final int priority;
  private final HostHealth health;
  private final HostStats stats;
  private final HealthFlags healthFlags;

  public Host(
      InetSocketAddress address,
      String hostname,
      int weight,
      Locality locality,
      int priority,
      HostHealth health,
      HostStats stats) {
    this(address, hostname, weight, locality, priority, health, stats, new HealthFlags());
  }

  /**
   * @param healthFlags the runtime flags, shared with the previous Host of the same address
   */
  public Host(
      InetSocketAddress address,
      String hostname,
      int weight,
      Locality locality,
      int priority,
      HostHealth health,
      HostStats stats,
      HealthFlags healthFlags) {
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
    this.healthFlags = Objects.requireNonNull(healthFlags);
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

  /** The configured (EDS) health only; what the load balancer uses is {@link #coarseHealth()}. */
  public HostHealth health() {
    return health;
  }

  /**
   * The health the load balancer uses, derived as Envoy derives it from the configured health and
   * the runtime flags (a failed active check or an outlier ejection make the host UNHEALTHY).
   */
  public HostHealth coarseHealth() {
    return healthFlags.coarseHealth(health);
  }

  /** Whether the host is left out of load balancing entirely (e.g. waiting for its first check). */
  public boolean excluded() {
    return healthFlags.excluded();
  }

  /**
   * The runtime flags; change them through {@link io.attache.dataplane.upstream.UpstreamCluster} so
   * traffic follows.
   */
  public HealthFlags healthFlags() {
    return healthFlags;
  }

  /** Every flag that applies, configured and runtime, in Envoy's print order (for /clusters). */
  public java.util.Set<HealthFlag> allHealthFlags() {
    return HealthFlags.decode(
        HealthFlags.edsBits(health) | HealthFlags.encode(healthFlags.snapshot()));
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
