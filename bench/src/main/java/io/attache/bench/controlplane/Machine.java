package io.attache.bench.controlplane;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;

/** The machine and JVM a run measured, as printed under its table. Read once, never changed. */
public record Machine(
    int cores, String cpuModel, long memoryBytes, String os, String java, String jvm) {

  public static Machine current() {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    String collectors =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", "));
    String flags = String.join(" ", ManagementFactory.getRuntimeMXBean().getInputArguments());
    return new Machine(
        Runtime.getRuntime().availableProcessors(),
        readCpuModel(),
        os.getTotalMemorySize(),
        System.getProperty("os.name") + " " + System.getProperty("os.version"),
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"),
        "collectors " + collectors + (flags.isEmpty() ? "" : "; flags `" + flags + "`"));
  }

  private static String readCpuModel() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
          .filter(line -> line.startsWith("model name"))
          .map(line -> line.substring(line.indexOf(':') + 1).strip())
          .findFirst()
          .orElse("unknown CPU");
    } catch (IOException e) {
      return "unknown CPU";
    }
  }
}
