package io.attache.dataplane.upstream.host;

import java.util.EnumSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The health flags of one host that change at run time (active health checking, outlier detection),
 * as one atomic bit set shared by every {@link Host} object of the same address, so a DNS refresh
 * that rebuilds the Host keeps them. Changing a flag here does not move traffic: the owner of the
 * host ({@link io.attache.dataplane.upstream.UpstreamCluster#setHealthFlag}) rebuilds the host
 * sets. Lock-free; safe from any thread.
 */
public final class HealthFlags {
  private static final int UNHEALTHY =
      HealthFlag.FAILED_ACTIVE_HC.bit()
          | HealthFlag.FAILED_OUTLIER_CHECK.bit()
          | HealthFlag.FAILED_EDS_HEALTH.bit()
          | HealthFlag.EDS_STATUS_DRAINING.bit();
  private static final int DEGRADED =
      HealthFlag.DEGRADED_ACTIVE_HC.bit() | HealthFlag.DEGRADED_EDS_HEALTH.bit();
  private static final int EXCLUDED =
      HealthFlag.PENDING_ACTIVE_HC.bit()
          | HealthFlag.EXCLUDED_VIA_IMMEDIATE_HC_FAIL.bit()
          | HealthFlag.PENDING_DYNAMIC_REMOVAL.bit();

  /** What a set or clear did; the caller rebuilds only on CHANGED. */
  public enum Change {
    CHANGED,
    UNCHANGED
  }

  private final AtomicInteger bits = new AtomicInteger();

  public boolean get(HealthFlag flag) {
    return (bits.get() & flag.bit()) != 0;
  }

  public Change set(HealthFlag flag) {
    int before = bits.getAndUpdate(b -> b | flag.bit());
    return (before & flag.bit()) == 0 ? Change.CHANGED : Change.UNCHANGED;
  }

  public Change clear(HealthFlag flag) {
    int before = bits.getAndUpdate(b -> b & ~flag.bit());
    return (before & flag.bit()) != 0 ? Change.CHANGED : Change.UNCHANGED;
  }

  /** The flags set now, in Envoy's print order. */
  public Set<HealthFlag> snapshot() {
    return decode(bits.get());
  }

  static Set<HealthFlag> decode(int value) {
    EnumSet<HealthFlag> set = EnumSet.noneOf(HealthFlag.class);
    for (HealthFlag flag : HealthFlag.values()) {
      if ((value & flag.bit()) != 0) {
        set.add(flag);
      }
    }
    return set;
  }

  /**
   * Envoy's coarse health of a host with these runtime flags and that configured health: any
   * failure flag makes it UNHEALTHY, else any degraded flag DEGRADED, else HEALTHY.
   */
  public HostHealth coarseHealth(HostHealth edsHealth) {
    int all = bits.get() | edsBits(edsHealth);
    if ((all & UNHEALTHY) != 0) {
      return HostHealth.UNHEALTHY;
    }
    if ((all & DEGRADED) != 0) {
      return HostHealth.DEGRADED;
    }
    return HostHealth.HEALTHY;
  }

  /** Whether load balancing must ignore the host altogether (not even count it). */
  public boolean excluded() {
    return (bits.get() & EXCLUDED) != 0;
  }

  static int encode(Set<HealthFlag> flags) {
    int value = 0;
    for (HealthFlag flag : flags) {
      value |= flag.bit();
    }
    return value;
  }

  static int edsBits(HostHealth edsHealth) {
    return switch (edsHealth) {
      case HEALTHY -> 0;
      case DEGRADED -> HealthFlag.DEGRADED_EDS_HEALTH.bit();
      case UNHEALTHY -> HealthFlag.FAILED_EDS_HEALTH.bit();
    };
  }

  @Override
  public String toString() {
    return snapshot().toString();
  }
}
