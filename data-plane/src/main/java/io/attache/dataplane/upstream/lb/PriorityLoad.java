package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.upstream.host.HostSet;
import io.attache.dataplane.upstream.host.PrioritySet;
import java.util.Arrays;
import java.util.List;

/**
 * How a cluster's traffic is split across priorities, computed as Envoy computes it: each
 * priority's health is {@code min(100, overprovisioning_factor * healthy / hosts)} (integer
 * percent), load goes to the highest priorities first until 100% is given, scaled up when the total
 * health is below 100; what healthy hosts cannot take goes to degraded ones. A priority whose
 * healthy+degraded share is under the panic threshold is in panic (balance over all its hosts); if
 * every priority is, load is split by host count. Pure; the arrays are never written after {@link
 * #compute} and callers must not write them either.
 *
 * @param healthyLoad percent of requests for the healthy hosts of each priority
 * @param degradedLoad percent of requests for the degraded hosts of each priority
 * @param panic whether each priority is in panic
 */
public record PriorityLoad(int[] healthyLoad, int[] degradedLoad, boolean[] panic) {

  /** Which hosts of the chosen priority a request may go to. */
  public enum Availability {
    HEALTHY,
    DEGRADED
  }

  /** A chosen priority and which of its hosts to use. */
  public record Choice(int priority, Availability availability) {}

  public static PriorityLoad compute(PrioritySet prioritySet, int panicThresholdPercent) {
    List<HostSet> sets = prioritySet.hostSets();
    int n = sets.size();
    int[] health = new int[n];
    int[] degradedHealth = new int[n];
    for (int i = 0; i < n; i++) {
      HostSet set = sets.get(i);
      int total = set.countedHosts();
      if (total > 0) {
        long factor = set.overprovisioningFactor();
        health[i] = (int) Math.min(100, factor * set.healthyHosts().size() / total);
        degradedHealth[i] = (int) Math.min(100, factor * set.degradedHosts().size() / total);
      }
    }
    int[] healthyLoad = new int[n];
    int[] degradedLoad = new int[n];
    boolean[] panic = new boolean[n];
    if (n == 0) {
      return new PriorityLoad(healthyLoad, degradedLoad, panic);
    }
    int totalAvailability =
        (int)
            Math.min(
                100,
                Arrays.stream(health).asLongStream().sum()
                    + Arrays.stream(degradedHealth).asLongStream().sum());
    if (totalAvailability > 0) {
      int[] firstHealthy = new int[1];
      int remaining = distribute(healthyLoad, health, 100, totalAvailability, firstHealthy);
      int[] firstDegraded = new int[1];
      remaining =
          distribute(degradedLoad, degradedHealth, remaining, totalAvailability, firstDegraded);
      // What is left is integer rounding; Envoy gives it to the first priority that can take it.
      if (remaining != 0) {
        if (firstHealthy[0] >= 0) {
          healthyLoad[firstHealthy[0]] += remaining;
        } else {
          degradedLoad[firstDegraded[0]] += remaining;
        }
      }
    }
    int threshold = Math.min(100, Math.max(0, panicThresholdPercent));
    if (threshold == 0 && totalAvailability == 0) {
      // Panic disabled and nothing available: the load still has to add up to 100, but the
      // empty healthy list of P0 means no host is ever returned ("no healthy upstream").
      healthyLoad[0] = 100;
      return new PriorityLoad(healthyLoad, degradedLoad, panic);
    }
    boolean allInPanic = true;
    for (int i = 0; i < n; i++) {
      panic[i] = totalAvailability != 100 && inPanic(sets.get(i), threshold);
      allInPanic &= panic[i];
    }
    if (allInPanic) {
      loadInTotalPanic(sets, healthyLoad, degradedLoad);
    }
    return new PriorityLoad(healthyLoad, degradedLoad, panic);
  }

  private static int distribute(
      int[] load, int[] availability, int total, int normalizedTotal, int[] first) {
    first[0] = -1;
    for (int i = 0; i < load.length; i++) {
      if (first[0] < 0 && availability[i] > 0) {
        first[0] = i;
      }
      load[i] = Math.min(total, availability[i] * 100 / normalizedTotal);
      total -= load[i];
    }
    return total;
  }

  private static boolean inPanic(HostSet set, int threshold) {
    int total = set.countedHosts();
    double healthy = total == 0 ? 0.0 : 100.0 * set.healthyHosts().size() / total;
    double degraded = total == 0 ? 0.0 : 100.0 * set.degradedHosts().size() / total;
    return healthy + degraded < threshold;
  }

  private static void loadInTotalPanic(List<HostSet> sets, int[] healthyLoad, int[] degradedLoad) {
    long totalHosts = sets.stream().mapToLong(s -> s.hosts().size()).sum();
    Arrays.fill(degradedLoad, 0);
    if (totalHosts == 0) {
      Arrays.fill(healthyLoad, 0);
      healthyLoad[0] = 100;
      return;
    }
    int remaining = 100;
    int firstNonEmpty = -1;
    for (int i = 0; i < sets.size(); i++) {
      int size = sets.get(i).hosts().size();
      if (firstNonEmpty < 0 && size > 0) {
        firstNonEmpty = i;
      }
      healthyLoad[i] = (int) (100L * size / totalHosts);
      remaining -= healthyLoad[i];
    }
    healthyLoad[firstNonEmpty] += remaining;
  }

  /**
   * The priority for a request whose hash (or random draw) is {@code hash}: {@code hash % 100 + 1}
   * walks the cumulative healthy loads, then the degraded ones.
   */
  public Choice choose(long hash) {
    long point = Long.remainderUnsigned(hash, 100) + 1;
    long aggregate = 0;
    for (int i = 0; i < healthyLoad.length; i++) {
      aggregate += healthyLoad[i];
      if (point <= aggregate) {
        return i < CHOICES_HEALTHY.length
            ? CHOICES_HEALTHY[i]
            : new Choice(i, Availability.HEALTHY);
      }
    }
    for (int i = 0; i < degradedLoad.length; i++) {
      aggregate += degradedLoad[i];
      if (point <= aggregate) {
        return i < CHOICES_DEGRADED.length
            ? CHOICES_DEGRADED[i]
            : new Choice(i, Availability.DEGRADED);
      }
    }
    return CHOICES_HEALTHY[0];
  }

  // Preallocated so choosing a priority does not allocate for the usual few priorities.
  private static final Choice[] CHOICES_HEALTHY = choices(Availability.HEALTHY);
  private static final Choice[] CHOICES_DEGRADED = choices(Availability.DEGRADED);

  private static Choice[] choices(Availability availability) {
    Choice[] choices = new Choice[8];
    for (int i = 0; i < choices.length; i++) {
      choices[i] = new Choice(i, availability);
    }
    return choices;
  }
}
