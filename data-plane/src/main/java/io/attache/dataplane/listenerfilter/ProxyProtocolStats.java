package io.attache.dataplane.listenerfilter;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * The {@code proxy_proto} listener filter's counters by Envoy 1.40's names: {@code
 * proxy_proto.[<stat_prefix>.]not_found_allowed}, {@code not_found_disallowed}, {@code
 * versions.v1|v2.found|disallowed|error}, and the legacy global {@code
 * downstream_cx_proxy_proto_error} that every error (not a disallowed version) also counts.
 */
final class ProxyProtocolStats {
  final Counter notFoundAllowed;
  final Counter notFoundDisallowed;
  final Counter legacyError;
  private final Counter[] found = new Counter[3];
  private final Counter[] disallowed = new Counter[3];
  private final Counter[] error = new Counter[3];

  ProxyProtocolStats(StatsStore store, String statPrefix) {
    String root = "proxy_proto." + (statPrefix.isEmpty() ? "" : statPrefix + ".");
    notFoundAllowed = store.counter(root + "not_found_allowed");
    notFoundDisallowed = store.counter(root + "not_found_disallowed");
    legacyError = store.counter("downstream_cx_proxy_proto_error");
    for (int version = 1; version <= 2; version++) {
      String versionRoot = root + "versions.v" + version + ".";
      found[version] = store.counter(versionRoot + "found");
      disallowed[version] = store.counter(versionRoot + "disallowed");
      error[version] = store.counter(versionRoot + "error");
    }
  }

  Counter found(int version) {
    return found[version];
  }

  Counter disallowed(int version) {
    return disallowed[version];
  }

  Counter error(int version) {
    return error[version];
  }
}
