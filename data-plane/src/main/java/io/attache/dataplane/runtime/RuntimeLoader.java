package io.attache.dataplane.runtime;

import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The proxy's live runtime: the bootstrap's layers, with the admin layer's values replaced by
 * {@code /runtime_modify} (Envoy's {@code Runtime::LoaderImpl} with an {@code AdminLayer}). Each
 * change publishes a new immutable {@link RuntimeSnapshot}; readers never lock. Never reads a disk
 * or RTDS.
 */
public final class RuntimeLoader implements Runtime {
  private final AtomicReference<RuntimeSnapshot> current;

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
   * Envoy's {@code /runtime_modify}: each key set to its value in the admin layer, an empty value
   * removing the key from it; applies to every read after this returns.
   *
   * @throws IllegalStateException when the bootstrap's {@code layered_runtime} has no admin layer
   */
  public synchronized void modify(Map<String, String> values) {
    current.set(current.get().withAdminValues(values));
  }
}
