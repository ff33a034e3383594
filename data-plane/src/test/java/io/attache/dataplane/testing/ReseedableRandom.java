package io.attache.dataplane.testing;

import io.attache.dataplane.time.RandomSource;
import java.util.SplittableRandom;

/**
 * A seeded random source a test can reseed once the proxy has started, so the draws it then counts
 * on (one per stream, as Envoy draws) start from a known seed whatever start-up consumed. A test
 * computes its expectation from its own {@code new SplittableRandom(seed)}, never from the proxy.
 */
public final class ReseedableRandom implements RandomSource {
  private SplittableRandom random;

  public ReseedableRandom(long seed) {
    this.random = new SplittableRandom(seed);
  }

  public synchronized void reseed(long seed) {
    random = new SplittableRandom(seed);
  }

  @Override
  public synchronized long nextLong() {
    return random.nextLong();
  }

  @Override
  public synchronized long nextLong(long bound) {
    return random.nextLong(bound);
  }
}
