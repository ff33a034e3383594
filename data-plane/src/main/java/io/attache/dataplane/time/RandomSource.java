package io.attache.dataplane.time;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The proxy's only source of randomness (load balancing, weighted clusters, jitter, request ids).
 * Tests inject a seeded or scripted source so every random decision is reproducible.
 */
public interface RandomSource {
  RandomSource SYSTEM =
      new RandomSource() {
        @Override
        public long nextLong() {
          return ThreadLocalRandom.current().nextLong();
        }

        @Override
        public long nextLong(long bound) {
          return ThreadLocalRandom.current().nextLong(bound);
        }
      };

  /** A uniformly distributed long. */
  long nextLong();

  /** A uniformly distributed long in {@code [0, bound)}; {@code bound} must be positive. */
  long nextLong(long bound);

  /** A uniformly distributed int in {@code [0, bound)}; {@code bound} must be positive. */
  default int nextInt(int bound) {
    return (int) nextLong(bound);
  }

  /**
   * True with probability {@code p}, as Envoy's {@code RandomGenerator::bernoulli}: never at 0 or
   * below, always at 1 or above, without a draw in either case.
   */
  default boolean bernoulli(double p) {
    if (p <= 0.0) {
      return false;
    }
    if (p >= 1.0) {
      return true;
    }
    return nextLong(1L << 53) < (long) (p * (1L << 53));
  }

  /** A seeded source for tests; print the seed when a test uses a random one. */
  static RandomSource seeded(long seed) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(seed);
    return new RandomSource() {
      @Override
      public synchronized long nextLong() {
        return random.nextLong();
      }

      @Override
      public synchronized long nextLong(long bound) {
        return random.nextLong(bound);
      }
    };
  }
}
