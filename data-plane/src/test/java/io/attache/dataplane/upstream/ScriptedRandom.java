package io.attache.dataplane.upstream;

import io.attache.dataplane.time.RandomSource;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * A RandomSource that returns scripted values in order (reduced modulo the bound) and records every
 * draw, so a test can state exactly which random choices a balancer made. Fails loudly when the
 * script runs out rather than inventing values.
 */
public final class ScriptedRandom implements RandomSource {
  private final Deque<Long> script = new ArrayDeque<>();
  private final List<String> draws = new ArrayList<>();

  public ScriptedRandom then(long... values) {
    for (long value : values) {
      script.add(value);
    }
    return this;
  }

  @Override
  public synchronized long nextLong() {
    long value = next("nextLong()");
    return value;
  }

  @Override
  public synchronized long nextLong(long bound) {
    return Math.floorMod(next("nextLong(" + bound + ")"), bound);
  }

  private long next(String call) {
    if (script.isEmpty()) {
      throw new AssertionError("random draw " + call + " not scripted; draws so far: " + draws);
    }
    long value = script.poll();
    draws.add(call + "=" + value);
    return value;
  }

  public synchronized List<String> draws() {
    return List.copyOf(draws);
  }

  public synchronized int remaining() {
    return script.size();
  }
}
