package io.attache.dataplane.upstream.lb;

import java.util.PriorityQueue;
import java.util.function.ToDoubleFunction;

/**
 * Earliest-deadline-first schedule, as Envoy uses for weighted round robin, weighted least request
 * and locality picking: each entry's next deadline is {@code now + 1/weight}, ties go to the entry
 * added first. Not thread-safe: the owner picks under its own lock. Picks reuse the queue entries,
 * so they allocate nothing.
 */
final class EdfScheduler<T> {
  private static final class Entry<T> {
    final T item;
    double deadline;
    long order;

    Entry(T item) {
      this.item = item;
    }
  }

  private final PriorityQueue<Entry<T>> queue =
      new PriorityQueue<>(
          (a, b) ->
              a.deadline == b.deadline
                  ? Long.compare(a.order, b.order)
                  : Double.compare(a.deadline, b.deadline));
  private double currentTime;
  private long orderOffset;

  /** Adds {@code item}; an item with weight 0 or less is never scheduled. */
  void add(double weight, T item) {
    if (weight <= 0) {
      return;
    }
    Entry<T> entry = new Entry<>(item);
    entry.deadline = currentTime + 1.0 / weight;
    entry.order = orderOffset++;
    queue.add(entry);
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /** Returns the item with the earliest deadline and schedules it again at its (new) weight. */
  T pickAndAdd(ToDoubleFunction<T> weight) {
    Entry<T> entry = queue.poll();
    if (entry == null) {
      return null;
    }
    currentTime = entry.deadline;
    double w = weight.applyAsDouble(entry.item);
    // A weight that dropped to 0 would push the entry out forever; keep it at the back instead.
    entry.deadline = currentTime + (w > 0 ? 1.0 / w : Double.MAX_VALUE / 2);
    entry.order = orderOffset++;
    queue.add(entry);
    return entry.item;
  }
}
