package io.attache.bench.proxy;

/** One row of the result table: what was measured, in which unit, and which way is better. */
public enum Metric {
  RPS_1K("HTTP/1.1 1 KB, 32 connections", "req/s", Better.HIGHER, false),
  RPS_64K("HTTP/1.1 64 KB, 32 connections", "req/s", Better.HIGHER, false),
  P50_ADDED("1 connection, p50 added over direct", "µs", Better.LOWER, true),
  P90_ADDED("1 connection, p90 added over direct", "µs", Better.LOWER, true),
  P99_ADDED("1 connection, p99 added over direct", "µs", Better.LOWER, true),
  RPS_H2("HTTP/2 (h2load) 1 KB", "req/s", Better.HIGHER, false),
  FIXED_RATE("fixed-rate run, achieved", "req/s", Better.NEITHER, false),
  FIXED_RATE_P50("fixed-rate run, p50 latency", "µs", Better.LOWER, false),
  FIXED_RATE_P99("fixed-rate run, p99 latency", "µs", Better.LOWER, false),
  FIXED_RATE_P999("fixed-rate run, p99.9 latency", "µs", Better.LOWER, false),
  CPU_PER_1000("fixed-rate run, CPU per 1,000 requests", "s", Better.LOWER, false),
  RSS("fixed-rate run, RSS at end (100 clusters)", "MB", Better.LOWER, false),
  /** Proportional set size: shared pages (libjvm, CDS archives) divided among their users. */
  PSS("fixed-rate run, PSS at end (100 clusters)", "MB", Better.LOWER, false),
  /** Once per run, for the contestants with an Envoy admin endpoint (Attaché and Envoy). */
  STARTUP("start-up: process start → admin /ready LIVE", "ms", Better.LOWER, false);

  /** Which direction of a ratio is good news. */
  public enum Better {
    HIGHER,
    LOWER,
    NEITHER
  }

  private final String label;
  private final String unit;
  private final Better better;
  private final boolean addedOverDirect;

  Metric(String label, String unit, Better better, boolean addedOverDirect) {
    this.label = label;
    this.unit = unit;
    this.better = better;
    this.addedOverDirect = addedOverDirect;
  }

  public String label() {
    return label;
  }

  public String unit() {
    return unit;
  }

  public Better better() {
    return better;
  }

  /**
   * The value is recorded absolute per round; the table shows it minus direct's value of the same
   * round (the direct column itself shows the absolute figure).
   */
  public boolean addedOverDirect() {
    return addedOverDirect;
  }
}
