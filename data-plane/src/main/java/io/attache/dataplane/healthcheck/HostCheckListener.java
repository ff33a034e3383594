package io.attache.dataplane.healthcheck;

import io.attache.dataplane.upstream.host.Host;

/**
 * Told after every completed active check, once the host's flags are updated (Envoy's {@code
 * HostStatusCb}); this is how outlier detection learns that a check passed. Must be quick and must
 * not block.
 */
@FunctionalInterface
public interface HostCheckListener {
  /** Whether the check changed the host's health, only moved it closer, or changed nothing. */
  enum Transition {
    CHANGED,
    CHANGE_PENDING,
    UNCHANGED
  }

  /**
   * @param passed whether this check itself passed (Envoy's {@code HealthState::Healthy})
   */
  void onHostChecked(Host host, Transition transition, boolean passed);
}
