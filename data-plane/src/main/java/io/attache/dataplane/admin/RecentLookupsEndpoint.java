package io.attache.dataplane.admin;

import io.attache.dataplane.stats.RecentLookups;
import java.util.Map;

/**
 * Envoy's {@code /stats/recentlookups} family: the table of recently looked-up stat names and the
 * total, in Envoy's text format, and the POSTs that enable, disable and clear tracking. Renders and
 * switches only; the counting is {@link RecentLookups}'.
 */
final class RecentLookupsEndpoint {
  private final RecentLookups lookups;

  RecentLookupsEndpoint(RecentLookups lookups) {
    this.lookups = lookups;
  }

  AdminResponse show() {
    Map<String, Long> recent = lookups.recent();
    StringBuilder out = new StringBuilder();
    if (recent.isEmpty() && !lookups.enabled()) {
      out.append("Lookup tracking is not enabled. Use /stats/recentlookups/enable to enable.\n");
    } else {
      out.append("   Count Lookup\n");
      recent.forEach((name, count) -> out.append(String.format("%8d %s\n", count, name)));
    }
    out.append("\ntotal: ").append(lookups.total()).append('\n');
    return AdminResponse.text(200, out.toString());
  }

  AdminResponse enable() {
    lookups.enable();
    return AdminResponse.text(200, "OK\n");
  }

  AdminResponse disable() {
    lookups.disable();
    return AdminResponse.text(200, "OK\n");
  }

  AdminResponse clear() {
    lookups.clear();
    return AdminResponse.text(200, "OK\n");
  }
}
