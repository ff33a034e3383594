package io.attache.dataplane.overload;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * The JVM heap as the {@code fixed_heap} monitor and the {@code shrink_heap} action see it: how
 * many bytes it holds, and a way to hand free memory back. Injected (through {@code ProxyOptions})
 * so a test drives the pressure exactly; the real one must never allocate on the read path.
 */
public interface JvmHeap {
  /**
   * Bytes the heap holds in objects right now: {@link MemoryMXBean#getHeapMemoryUsage()}'s {@code
   * used}. Like tcmalloc's {@code heap_size - pageheap_free - pageheap_unmapped}, which Envoy's
   * {@code fixed_heap} reads, it counts memory the allocator has not got back yet — here objects no
   * longer reachable but not yet collected — so it reads high just before a collection.
   */
  long usedBytes();

  /**
   * Asks the JVM to collect and give free heap back to the operating system: what tcmalloc's {@code
   * ReleaseFreeMemory} does for Envoy. With G1 (the default) an explicit collection is a full,
   * compacting one that then uncommits the free regions down to {@code -XX:MaxHeapFreeRatio}.
   */
  void releaseFreeMemory();

  /** The running JVM's heap. */
  JvmHeap RUNTIME =
      new JvmHeap() {
        private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();

        @Override
        public long usedBytes() {
          return memory.getHeapMemoryUsage().getUsed();
        }

        @Override
        @SuppressWarnings("java:S1215") // releasing heap is this action's whole point
        public void releaseFreeMemory() {
          System.gc();
        }
      };
}
