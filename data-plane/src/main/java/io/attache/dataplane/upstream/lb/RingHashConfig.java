package io.attache.dataplane.upstream.lb;

/** {@code ring_hash_lb_config}. */
public record RingHashConfig(
    long minimumRingSize, long maximumRingSize, HashFunction hashFunction) {
  public static final long MAX_RING_SIZE = 8 * 1024 * 1024;
  public static final RingHashConfig DEFAULTS =
      new RingHashConfig(1024, MAX_RING_SIZE, HashFunction.XX_HASH);

  /** Only xxHash64 is implemented; MURMUR_HASH_2 is rejected at parse time. */
  public enum HashFunction {
    XX_HASH
  }
}
