package io.attache.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.UnreadyTargetsDumps;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Envoy's {@code /init_dump}: the init managers that still wait, with the targets they wait for (an
 * {@code admin.v3.UnreadyTargetsDumps}). Listeners are the only component with init managers here,
 * as in Envoy's dump: {@code ?mask=listener} selects them, any other mask selects nothing. Reads a
 * snapshot; never waits for initialisation itself.
 */
final class InitDumpEndpoint {
  private final Supplier<UnreadyTargetsDumps> unreadyTargets;

  InitDumpEndpoint(Supplier<UnreadyTargetsDumps> unreadyTargets) {
    this.unreadyTargets = unreadyTargets;
  }

  UnreadyTargetsDumps dump(Map<String, List<String>> params) {
    List<String> mask = params.getOrDefault("mask", List.of());
    if (mask.isEmpty() || mask.get(0).equals("listener")) {
      return unreadyTargets.get();
    }
    return UnreadyTargetsDumps.getDefaultInstance();
  }
}
