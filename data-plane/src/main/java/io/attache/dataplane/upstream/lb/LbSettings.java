package io.attache.dataplane.upstream.lb;

/**
 * The part of a cluster definition a load balancer needs, so a balancer can be built (and tested)
 * without a whole cluster.
 *
 * @param healthyPanicThresholdPercent rounded to a whole percent, as Envoy rounds it
 */
public record LbSettings(
    LbPolicy policy,
    LeastRequestConfig leastRequest,
    RingHashConfig ringHash,
    boolean localityWeighted,
    int healthyPanicThresholdPercent) {

  public static LbSettings of(LbPolicy policy) {
    return new LbSettings(policy, LeastRequestConfig.DEFAULTS, RingHashConfig.DEFAULTS, false, 50);
  }

  public LbSettings withLocalityWeighted(boolean enabled) {
    return new LbSettings(policy, leastRequest, ringHash, enabled, healthyPanicThresholdPercent);
  }

  public LbSettings withPanicThreshold(int percent) {
    return new LbSettings(policy, leastRequest, ringHash, localityWeighted, percent);
  }

  public LbSettings withLeastRequest(LeastRequestConfig config) {
    return new LbSettings(policy, config, ringHash, localityWeighted, healthyPanicThresholdPercent);
  }

  public LbSettings withRingHash(RingHashConfig config) {
    return new LbSettings(
        policy, leastRequest, config, localityWeighted, healthyPanicThresholdPercent);
  }
}
