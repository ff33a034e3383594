package io.attache.bench.controlplane;

import java.util.List;

/**
 * What one (API, N, replicas, xDS handler threads) cell measured; with several replicas the heap
 * and CPU are all of theirs together (they share the harness's JVM). Times in milliseconds or
 * seconds as named; heap is used bytes after full collections in the control plane's JVM: idle
 * before the proxies connected, with the N streams open and served, and once they had all
 * disconnected again. Heap per proxy is taken against the last, which shares the connected state's
 * buffer pools and compiled code: the idle figure of a cell can still hold pooled buffers freed by
 * the previous, larger cell.
 */
public record CellResult(
    Api api,
    int proxies,
    int replicas,
    int xdsThreads,
    double connectSeconds,
    double connectCpuSeconds,
    List<Double> convergenceMillis,
    List<Double> cpuSecondsPerRound,
    long heapIdleBytes,
    long heapConnectedBytes,
    long heapDisconnectedBytes) {

  public CellResult {
    convergenceMillis = List.copyOf(convergenceMillis);
    cpuSecondsPerRound = List.copyOf(cpuSecondsPerRound);
  }

  /** The xDS handler threads as the tables show them: a count, or gRPC's shared pool. */
  public String xdsThreadsLabel() {
    return xdsThreads == 0 ? "gRPC shared" : Integer.toString(xdsThreads);
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
    return (heapConnectedBytes - heapDisconnectedBytes) / (double) proxies;
  }
}
