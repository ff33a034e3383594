package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.hash.XxHash64;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.upstream.host.Host;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * RING_HASH over one host list, built as Envoy builds its ketama ring: each host gets a share of
 * ring points proportional to its normalized weight (the lightest host gets at least {@code
 * ceil(weight * minimum_ring_size)}), each point the xxHash64 of {@code "<address>_<i>"}. A request
 * goes to the first point at or after its hash, wrapping round. Built once per host list and
 * read-only after, so lookups are lock-free; a request without a hash gets a random one.
 */
final class RingHashPicker implements HostPicker {
  private final long[] hashes;
  private final Host[] hostsByPoint;
  private final RandomSource random;

  /**
   * @param normalizedWeights each host's share of the ring, summing to 1 (entries of 0 are left
   *     out)
   */
  RingHashPicker(
      List<Host> hosts,
      double[] normalizedWeights,
      long minRingSize,
      long maxRingSize,
      RandomSource random) {
    this.random = random;
    double minWeight = Double.MAX_VALUE;
    for (double w : normalizedWeights) {
      if (w > 0) {
        minWeight = Math.min(minWeight, w);
      }
    }
    if (hosts.isEmpty() || minWeight == Double.MAX_VALUE) {
      this.hashes = new long[0];
      this.hostsByPoint = new Host[0];
      return;
    }
    double scale = Math.min(Math.ceil(minWeight * minRingSize) / minWeight, (double) maxRingSize);
    int ringSize = (int) Math.ceil(scale);
    long[] points = new long[ringSize + hosts.size()];
    int[] owners = new int[points.length];
    int count = 0;
    double current = 0;
    double target = 0;
    for (int h = 0; h < hosts.size(); h++) {
      if (normalizedWeights[h] <= 0) {
        continue;
      }
      byte[] prefix = (hosts.get(h).addressString() + "_").getBytes(StandardCharsets.US_ASCII);
      target += scale * normalizedWeights[h];
      for (long i = 0; current < target && count < points.length; i++, current++) {
        byte[] suffix = Long.toString(i).getBytes(StandardCharsets.US_ASCII);
        byte[] key = Arrays.copyOf(prefix, prefix.length + suffix.length);
        System.arraycopy(suffix, 0, key, prefix.length, suffix.length);
        points[count] = XxHash64.hash(key);
        owners[count] = h;
        count++;
      }
    }
    // Unsigned 64-bit order, as Envoy sorts its ring: flipping the sign bit maps it onto signed
    // order, so the lookup can compare plain longs.
    this.hashes = new long[count];
    int[] sortedOwners = Arrays.copyOf(owners, count);
    for (int i = 0; i < count; i++) {
      hashes[i] = points[i] ^ Long.MIN_VALUE;
    }
    sort(hashes, sortedOwners, 0, count - 1);
    this.hostsByPoint = new Host[count];
    for (int i = 0; i < count; i++) {
      hostsByPoint[i] = hosts.get(sortedOwners[i]);
    }
  }

  /** Quicksort of keys carrying owners along; primitive arrays so an 8M-point ring stays small. */
  private static void sort(long[] keys, int[] owners, int from, int to) {
    while (from < to) {
      if (to - from < 16) {
        for (int i = from + 1; i <= to; i++) {
          long key = keys[i];
          int owner = owners[i];
          int j = i - 1;
          while (j >= from && keys[j] > key) {
            keys[j + 1] = keys[j];
            owners[j + 1] = owners[j];
            j--;
          }
          keys[j + 1] = key;
          owners[j + 1] = owner;
        }
        return;
      }
      long pivot = keys[(from + to) >>> 1];
      int i = from;
      int j = to;
      while (i <= j) {
        while (keys[i] < pivot) {
          i++;
        }
        while (keys[j] > pivot) {
          j--;
        }
        if (i <= j) {
          long k = keys[i];
          keys[i] = keys[j];
          keys[j] = k;
          int o = owners[i];
          owners[i] = owners[j];
          owners[j] = o;
          i++;
          j--;
        }
      }
      // Recurse into the smaller half, loop on the larger, so the stack stays logarithmic.
      if (j - from < to - i) {
        sort(keys, owners, from, j);
        from = i;
      } else {
        sort(keys, owners, i, to);
        to = j;
      }
    }
  }

  /** Normalized weights from host weights alone (no locality weighting). */
  static double[] hostWeights(List<Host> hosts) {
    double sum = 0;
    for (Host host : hosts) {
      sum += host.weight();
    }
    double[] weights = new double[hosts.size()];
    for (int i = 0; i < weights.length; i++) {
      weights[i] = hosts.get(i).weight() / sum;
    }
    return weights;
  }

  int ringSize() {
    return hashes.length;
  }

  @Override
  public Host pick(LbContext context) {
    if (hashes.length == 0) {
      return null;
    }
    long hash = context.hash().isPresent() ? context.hash().getAsLong() : random.nextLong();
    long key = hash ^ Long.MIN_VALUE;
    int low = 0;
    int high = hashes.length;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (hashes[mid] < key) {
        low = mid + 1;
      } else {
        high = mid;
      }
    }
    return hostsByPoint[low == hashes.length ? 0 : low];
  }
}
