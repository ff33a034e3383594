package io.attache.controlplane.rest;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * The control plane's counters and gauges in Prometheus text format. Gauges are read from their
 * owners at scrape time, so nothing here can drift from the truth. Must never block a scrape on a
 * write.
 */
public final class ControlPlaneMetrics {

  private final AtomicLong writesAccepted = new AtomicLong();
  private final AtomicLong writesRejected = new AtomicLong();
  private final AtomicLong unauthenticated = new AtomicLong();
  private final AtomicLong forbidden = new AtomicLong();
  private final LongSupplier connectedProxies;
  private final LongSupplier acks;
  private final LongSupplier nacks;
  private final LongSupplier pushes;
  private final LongSupplier revision;
  private final LongSupplier storeUp;
  private java.util.function.Supplier<java.util.Map<String, Long>> proxiesByVerdict =
      java.util.Map::of;

  public ControlPlaneMetrics(
      LongSupplier connectedProxies,
      LongSupplier acks,
      LongSupplier nacks,
      LongSupplier pushes,
      LongSupplier revision,
      LongSupplier storeUp) {
    this.connectedProxies = connectedProxies;
    this.acks = acks;
    this.nacks = nacks;
    this.pushes = pushes;
    this.revision = revision;
    this.storeUp = storeUp;
  }

  /** Counts connected proxies by sync verdict at scrape time (SYNCED, PENDING, STALE, ...). */
  public ControlPlaneMetrics withSyncStatus(
      java.util.function.Supplier<java.util.Map<String, Long>> byVerdict) {
    this.proxiesByVerdict = byVerdict;
    return this;
  }

  void writeAccepted() {
    writesAccepted.incrementAndGet();
  }

  void writeRejected() {
    writesRejected.incrementAndGet();
  }

  void unauthenticated() {
    unauthenticated.incrementAndGet();
  }

  void forbidden() {
    forbidden.incrementAndGet();
  }

  String render() {
    StringBuilder out = new StringBuilder();
    metric(
        out,
        "attache_cp_rest_writes_accepted_total",
        "counter",
        "REST writes stored",
        writesAccepted.get());
    metric(
        out,
        "attache_cp_rest_writes_rejected_total",
        "counter",
        "REST writes refused (4xx)",
        writesRejected.get());
    metric(
        out,
        "attache_cp_rest_unauthenticated_total",
        "counter",
        "REST requests refused for a missing or unknown bearer token (401)",
        unauthenticated.get());
    metric(
        out,
        "attache_cp_rest_forbidden_total",
        "counter",
        "REST writes refused for a read-only token (403)",
        forbidden.get());
    metric(
        out,
        "attache_cp_xds_connected_proxies",
        "gauge",
        "xDS clients connected now",
        connectedProxies.getAsLong());
    metric(out, "attache_cp_xds_acks_total", "counter", "xDS responses ACKed", acks.getAsLong());
    metric(out, "attache_cp_xds_nacks_total", "counter", "xDS responses NACKed", nacks.getAsLong());
    metric(
        out,
        "attache_cp_snapshot_pushes_total",
        "counter",
        "debounced snapshot pushes",
        pushes.getAsLong());
    metric(
        out,
        "attache_cp_store_revision",
        "gauge",
        "revision of the policy this replica serves (the store's head, as it last read it)",
        revision.getAsLong());
    metric(
        out,
        "attache_cp_store_up",
        "gauge",
        "1 while the policy store answers, 0 while it cannot be reached",
        storeUp.getAsLong());
    String proxies = "attache_cp_xds_proxies";
    out.append("# HELP ")
        .append(proxies)
        .append(" connected proxies by sync verdict against the revision they are served\n");
    out.append("# TYPE ").append(proxies).append(" gauge\n");
    java.util.Map<String, Long> byVerdict = proxiesByVerdict.get();
    for (io.attache.controlplane.xds.SyncVerdict verdict :
        io.attache.controlplane.xds.SyncVerdict.values()) {
      out.append(proxies)
          .append("{verdict=\"")
          .append(verdict.name())
          .append("\"} ")
          .append(byVerdict.getOrDefault(verdict.name(), 0L))
          .append('\n');
    }
    return out.toString();
  }

  private static void metric(StringBuilder out, String name, String type, String help, long value) {
    out.append("# HELP ").append(name).append(' ').append(help).append('\n');
    out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    out.append(name).append(' ').append(value).append('\n');
  }
}
