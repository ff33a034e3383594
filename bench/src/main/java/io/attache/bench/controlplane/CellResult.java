package io.attache.bench.controlplane;

import java.util.List;

/**
 * What one (API, N) cell measured. Times in milliseconds or seconds as named; heap is used bytes
 * after full collections in the control plane's JVM, idle (services written, no stream) and with
 * the N streams open and served.
 */
public record CellResult(
    Api api,
    int proxies,
    double connectSeconds,
    double connectCpuSeconds,
    List<Double> convergenceMillis,
    List<Double> cpuSecondsPerRound,
    long heapIdleBytes,
    long heapConnectedBytes) {

  public CellResult {
    convergenceMillis = List.copyOf(convergenceMillis);
    cpuSecondsPerRound = List.copyOf(cpuSecondsPerRound);
  }

  public Percentiles convergence() {
    return Percentiles.of(convergenceMillis);
  }

  public Percentiles cpuPerRound() {
    return Percentiles.of(cpuSecondsPerRound);
  }

  public int rounds() {
    return convergenceMillis.size();
  }

  public double heapPerProxyBytes() {
    return (heapConnectedBytes - heapIdleBytes) / (double) proxies;
  }
}
