package io.attache.dataplane.listener;

import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A value derived from the newest of something swapped whole (a listener's runtime), derived again
 * only when it was swapped: a connection's streams take their chain's newest HTTP context without a
 * lookup per stream. Compares by identity. Not thread-safe: one per connection, used on that
 * connection's event loop only.
 */
final class DerivedFromNewest<S, V> implements Supplier<V> {
  private final Supplier<S> newest;
  private final Function<S, V> derive;
  private S lastSource;
  private V lastValue;

  DerivedFromNewest(Supplier<S> newest, Function<S, V> derive) {
    this.newest = newest;
    this.derive = derive;
  }

  @Override
  public V get() {
    S source = newest.get();
    if (source != lastSource || lastValue == null) {
      lastValue = derive.apply(source);
      lastSource = source;
    }
    return lastValue;
  }
}
