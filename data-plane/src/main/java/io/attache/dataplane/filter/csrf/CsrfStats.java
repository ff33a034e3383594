package io.attache.dataplane.filter.csrf;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's CSRF counters, {@code http.<stat_prefix>.csrf.}: a mutating request without a usable
 * origin counts {@code missing_source_origin}, one from a foreign origin {@code request_invalid},
 * an accepted one {@code request_valid} (one of the three per request) — in shadow mode too.
 */
record CsrfStats(Counter missingSourceOrigin, Counter requestInvalid, Counter requestValid) {
  static CsrfStats create(StatsStore store, String hcmStatPrefix) {
    String p = "http." + hcmStatPrefix + ".csrf.";
    return new CsrfStats(
        store.counter(p + "missing_source_origin"),
        store.counter(p + "request_invalid"),
        store.counter(p + "request_valid"));
  }
}
