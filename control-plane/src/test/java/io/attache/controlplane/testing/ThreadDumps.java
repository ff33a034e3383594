package io.attache.controlplane.testing;

import java.lang.management.LockInfo;
import java.lang.management.ManagementFactory;
import java.lang.management.MonitorInfo;
import java.lang.management.ThreadInfo;
import java.util.Arrays;
import java.util.Comparator;

/**
 * The stacks of every thread of this JVM with the locks each holds and waits for, in full
 * (ThreadInfo.toString stops at eight frames). For a test to print when something it waited for
 * never happened.
 */
public final class ThreadDumps {

  private ThreadDumps() {}

  public static String all() {
    StringBuilder out = new StringBuilder();
    ThreadInfo[] threads = ManagementFactory.getThreadMXBean().dumpAllThreads(true, true);
    Arrays.sort(threads, Comparator.comparing(ThreadInfo::getThreadName));
    for (ThreadInfo thread : threads) {
      out.append('"')
          .append(thread.getThreadName())
          .append("\" ")
          .append(thread.isDaemon() ? "daemon " : "")
          .append(thread.getThreadState());
      if (thread.getLockInfo() != null) {
        out.append(" on ").append(thread.getLockInfo());
        if (thread.getLockOwnerName() != null) {
          out.append(" owned by \"").append(thread.getLockOwnerName()).append('"');
        }
      }
      out.append('\n');
      StackTraceElement[] stack = thread.getStackTrace();
      for (int i = 0; i < stack.length; i++) {
        out.append("    at ").append(stack[i]).append('\n');
        for (MonitorInfo monitor : thread.getLockedMonitors()) {
          if (monitor.getLockedStackDepth() == i) {
            out.append("    - locked ").append(monitor).append('\n');
          }
        }
      }
      for (LockInfo lock : thread.getLockedSynchronizers()) {
        out.append("    - holds ").append(lock).append('\n');
      }
      out.append('\n');
    }
    long[] deadlocked = ManagementFactory.getThreadMXBean().findDeadlockedThreads();
    if (deadlocked != null) {
      out.append("DEADLOCKED thread ids: ").append(Arrays.toString(deadlocked)).append('\n');
    }
    return out.toString();
  }
}
