package io.attache.dataplane.server;

import io.envoyproxy.envoy.admin.v3.Memory;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * The proxy's memory in the terms Envoy reports it ({@code /memory}, {@code server.memory_*}),
 * mapped onto a JVM: "allocated" is heap, non-heap and direct buffers in use; "heap size" is what
 * the JVM has committed for them; "physical" is the process's resident set. Reads MXBeans and
 * {@code /proc/self/statm}; cheap, but not meant for the data path.
 */
final class ProcessMemory {
  private static final Path STATM = Path.of("/proc/self/statm");
  private static final long PAGE_SIZE = 4096;

  private ProcessMemory() {}

  /** One reading. */
  record Reading(long allocated, long heapSize, long physical) {
    /** Envoy's {@code admin.v3.Memory}: the tcmalloc fields that have a JVM meaning. */
    Memory toProto() {
      return Memory.newBuilder()
          .setAllocated(allocated)
          .setHeapSize(heapSize)
          .setPageheapFree(Math.max(0, heapSize - allocated))
          .setTotalPhysicalBytes(physical)
          .build();
    }
  }

  static Reading read() {
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    MemoryUsage heap = memory.getHeapMemoryUsage();
    MemoryUsage nonHeap = memory.getNonHeapMemoryUsage();
    long directUsed = 0;
    long directCapacity = 0;
    List<BufferPoolMXBean> pools = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class);
    for (BufferPoolMXBean pool : pools) {
      directUsed += Math.max(0, pool.getMemoryUsed());
      directCapacity += Math.max(0, pool.getTotalCapacity());
    }
    long allocated = heap.getUsed() + nonHeap.getUsed() + directUsed;
    long heapSize = heap.getCommitted() + nonHeap.getCommitted() + directCapacity;
    return new Reading(allocated, heapSize, residentBytes().orElse(heapSize));
  }

  private static java.util.OptionalLong residentBytes() {
    try {
      String[] fields = Files.readString(STATM).trim().split("\\s+");
      return java.util.OptionalLong.of(Long.parseLong(fields[1]) * PAGE_SIZE);
    } catch (java.io.IOException | RuntimeException e) {
      return java.util.OptionalLong.empty(); // not Linux: committed memory stands in
    }
  }
}
