package io.attache.controlplane.rest;

import io.attache.controlplane.xds.SyncVerdict;
import io.attache.controlplane.xds.XdsEvents;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The control plane's metrics, kept by Micrometer and scraped in Prometheus text format from {@code
 * /metrics}: the REST, xDS and store series the hand-rolled page had (same names, same labels),
 * latency histograms (push→ACK per type and API, REST by route and status, store commits), NACKs by
 * type, proxies by group, and the JVM and process. Gauges read their owners at scrape time, so
 * nothing here can drift from the truth. Recording never blocks a gRPC or HTTP thread on a scrape.
 */
public final class ControlPlaneMetrics implements XdsEvents, AutoCloseable {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private final Counter writesAccepted;
  private final Counter writesRejected;
  private final Counter unauthenticated;
  private final Counter forbidden;
  private final MultiGauge proxiesByGroup;
  private volatile Supplier<Map<String, Long>> proxiesByVerdict = Map::of;
  private volatile Supplier<Map<String, Long>> groups = Map::of;
  private final java.util.List<LongSupplier> meteredSuppliers = new java.util.ArrayList<>();

  public ControlPlaneMetrics(
      LongSupplier connectedProxies,
      LongSupplier openStreams,
      LongSupplier nodeGroups,
      LongSupplier acks,
      LongSupplier nacks,
      LongSupplier pushes,
      LongSupplier revision,
      LongSupplier storeUp) {
    writesAccepted = counter("attache.cp.rest.writes.accepted", "REST writes stored");
    writesRejected = counter("attache.cp.rest.writes.rejected", "REST writes refused (4xx)");
    unauthenticated =
        counter(
            "attache.cp.rest.unauthenticated",
            "REST requests refused for a missing or unknown bearer token (401)");
    forbidden =
        counter("attache.cp.rest.forbidden", "REST writes refused for a read-only token (403)");
    gauge("attache.cp.xds.connected.proxies", "xDS clients connected now", connectedProxies);
    gauge(
        "attache.cp.xds.streams",
        "xDS streams open now, whether or not their client has identified itself yet",
        openStreams);
    gauge(
        "attache.cp.xds.node.groups",
        "node groups holding a snapshot (a group is released when its last stream ends)",
        nodeGroups);
    functionCounter("attache.cp.xds.acks", "xDS responses ACKed", acks);
    functionCounter("attache.cp.xds.nacks", "xDS responses NACKed", nacks);
    functionCounter("attache.cp.snapshot.pushes", "debounced snapshot pushes", pushes);
    gauge(
        "attache.cp.store.revision",
        "revision of the policy this replica serves (the store's head, as it last read it)",
        revision);
    gauge(
        "attache.cp.store.up",
        "1 while the policy store answers, 0 while it cannot be reached",
        storeUp);
    for (SyncVerdict verdict : SyncVerdict.values()) {
      Gauge.builder(
              "attache.cp.xds.proxies",
              () -> proxiesByVerdict.get().getOrDefault(verdict.name(), 0L))
          .description("connected proxies by sync verdict against the revision they are served")
          .tag("verdict", verdict.name())
          .register(registry);
    }
    proxiesByGroup =
        MultiGauge.builder("attache.cp.xds.proxies.by.group")
            .description("connected proxies by proxy group (the snapshot they share)")
            .register(registry);
    // Two of Micrometer's process meters have names promtool rejects: the CPU time counter in
    // nanoseconds (process_cpu_time_ns_total) is replaced by Prometheus's own
    // process_cpu_seconds_total, and the constant CPU count (system_cpu_count, a gauge ending in
    // _count) is left out. PrometheusDashboardIT runs promtool on this page.
    registry
        .config()
        .meterFilter(MeterFilter.denyNameStartsWith("process.cpu.time"))
        .meterFilter(MeterFilter.deny(id -> id.getName().equals("system.cpu.count")));
    if (ManagementFactory.getOperatingSystemMXBean()
        instanceof com.sun.management.OperatingSystemMXBean os) {
      FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9)
          .baseUnit("seconds")
          .description("CPU time the control plane's process used")
          .register(registry);
    }
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ClassLoaderMetrics().bindTo(registry);
    new JvmInfoMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    new FileDescriptorMetrics().bindTo(registry);
  }

  /** Counts connected proxies by sync verdict at scrape time (SYNCED, PENDING, STALE, ...). */
  public ControlPlaneMetrics withSyncStatus(Supplier<Map<String, Long>> byVerdict) {
    this.proxiesByVerdict = byVerdict;
    return this;
  }

  /** Counts connected proxies by group at scrape time. */
  public ControlPlaneMetrics withGroups(Supplier<Map<String, Long>> byGroup) {
    this.groups = byGroup;
    return this;
  }

  void writeAccepted() {
    writesAccepted.increment();
  }

  void writeRejected() {
    writesRejected.increment();
  }

  void unauthenticated() {
    unauthenticated.increment();
  }

  void forbidden() {
    forbidden.increment();
  }

  /** One REST request: its route pattern (never the raw path), method and status. */
  void restRequest(String route, String method, int status, Duration took) {
    Timer.builder("attache.cp.rest.requests")
        .description("REST requests by route pattern, method and status")
        .tags("route", route, "method", method, "status", Integer.toString(status))
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  /** One policy commit to the store, from the write's start to the store's answer. */
  public void storeCommit(Duration took) {
    Timer.builder("attache.cp.store.commit")
        .description("policy store commits")
        .publishPercentileHistogram()
        .register(registry)
        .record(took);
  }

  @Override
  public void acked(String typeUrl, String api, Duration sincePush) {
    Timer.builder("attache.cp.xds.push.ack")
        .description("time from sending an xDS response to its ACK, by resource type and API")
        .tags("type", shortType(typeUrl), "api", api)
        .publishPercentileHistogram()
        .register(registry)
        .record(sincePush);
  }

  @Override
  public void nacked(String typeUrl, String api) {
    Counter.builder("attache.cp.xds.nacks.by.type")
        .description("xDS responses NACKed, by resource type and API")
        .tags("type", shortType(typeUrl), "api", api)
        .register(registry)
        .increment();
  }

  /** {@code type.googleapis.com/envoy.config.cluster.v3.Cluster} → {@code Cluster}. */
  static String shortType(String typeUrl) {
    return typeUrl.substring(typeUrl.lastIndexOf('.') + 1);
  }

  String render() {
    proxiesByGroup.register(
        groups.get().entrySet().stream()
            .map(e -> MultiGauge.Row.of(Tags.of("group", e.getKey()), e.getValue()))
            .toList(),
        true);
    return registry.scrape();
  }

  @Override
  public void close() {
    gc.close();
    registry.close();
  }

  private Counter counter(String name, String help) {
    return Counter.builder(name).description(help).register(registry);
  }

  private void functionCounter(String name, String help, LongSupplier value) {
    // Micrometer holds a function counter's object weakly; this list keeps the supplier alive as
    // long as the metrics are, or after a GC the series would stop.
    meteredSuppliers.add(value);
    FunctionCounter.builder(name, value, LongSupplier::getAsLong)
        .description(help)
        .register(registry);
  }

  private void gauge(String name, String help, LongSupplier value) {
    // Strongly held: Micrometer keeps a gauge's object weakly by default, and these suppliers are
    // lambdas nothing else references, so after a GC the series would read NaN.
    Gauge.builder(name, value, LongSupplier::getAsLong)
        .description(help)
        .strongReference(true)
        .register(registry);
  }
}
