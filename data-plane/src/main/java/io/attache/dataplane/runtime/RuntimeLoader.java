package io.attache.dataplane.runtime;

import io.attache.dataplane.stats.StatsStore;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy's live runtime: the bootstrap's layers, with the admin layer's values replaced by
 * {@code /runtime_modify} (Envoy's {@code Runtime::LoaderImpl} with an {@code AdminLayer}). Each
 * change publishes a new immutable {@link RuntimeSnapshot}; readers never lock. Once {@link
 * #publishTo published}, every snapshot load is counted under {@code runtime.*} as Envoy counts it.
 * Never reads a disk or RTDS.
 */
public final class RuntimeLoader implements Runtime {
  /**
   * Snapshot loads stock Envoy 1.40 has counted by the time it serves ({@code runtime.load_success}
   * is 2 on a fresh start, probed): one when its loader is built, one when the server initializes
   * it.
   */
  static final int LOADS_AT_START = 2;

  private final AtomicReference<RuntimeSnapshot> current;
  private StatsStore stats;

  public RuntimeLoader(RuntimeSnapshot initial) {
    this.current = new AtomicReference<>(initial);
  }

  @Override
  public RuntimeSnapshot snapshot() {
    return current.get();
  }

  /** Whether the layers include an admin layer, without which {@link #modify} refuses. */
  public boolean hasAdminLayer() {
    return current.get().hasAdminLayer();
  }

  /**
   * Starts counting into {@code stats}: the start-up loads, then one per {@link #modify}, with
   * Envoy's names — counters {@code runtime.load_success} and {@code
   * runtime.override_dir_not_exists} (no disk layer is ever read, so every load is one "without an
   * override directory"), gauges {@code runtime.num_layers}, {@code runtime.num_keys} and {@code
   * runtime.admin_overrides_active} (1 while the admin layer holds any value).
   */
  public synchronized void publishTo(StatsStore stats) {
    this.stats = stats;
    for (int i = 0; i < LOADS_AT_START; i++) {
      countLoad(current.get());
    }
  }

  /**
   * Envoy's {@code /runtime_modify}: each key set to its value in the admin layer, an empty value
   * removing the key from it; applies to every read after this returns.
   *
   * @throws IllegalStateException when the bootstrap's {@code layered_runtime} has no admin layer
   */
  public synchronized void modify(Map<String, String> values) {
    RuntimeSnapshot next = current.get().withAdminValues(values);
    current.set(next);
    countLoad(next);
  }

  private void countLoad(RuntimeSnapshot loaded) {
    if (stats == null) {
      return;
    }
    stats.gauge("runtime.num_layers").set(loaded.layers().size());
    stats.gauge("runtime.num_keys").set(loaded.keys().size());
    stats.gauge("runtime.admin_overrides_active").set(loaded.adminLayerSize() > 0 ? 1 : 0);
    stats.counter("runtime.load_success").inc();
    stats.counter("runtime.override_dir_not_exists").inc();
  }
}
