package io.attache.dataplane.filter.admissioncontrol;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;

/**
 * Envoy's admission control counters, {@code http.<stat_prefix>.admission_control.}: {@code
 * rq_rejected} per request it answers 503, {@code rq_success} / {@code rq_failure} per recorded
 * response.
 */
record AdmissionControlStats(Counter rqRejected, Counter rqSuccess, Counter rqFailure) {
  static AdmissionControlStats create(StatsStore store, String hcmStatPrefix) {
    String p = "http." + hcmStatPrefix + ".admission_control.";
    return new AdmissionControlStats(
        store.counter(p + "rq_rejected"),
        store.counter(p + "rq_success"),
        store.counter(p + "rq_failure"));
  }
}
