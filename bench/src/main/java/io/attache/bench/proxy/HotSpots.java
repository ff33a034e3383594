package io.attache.bench.proxy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedMethod;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Reads a JFR recording and ranks where the CPU and the allocations went: execution samples by top
 * frame (self) and by any frame on the stack (total), the first Attaché frame under each sample
 * (which of our code is responsible, whatever library it called), and allocation samples by class
 * and by first Attaché frame. Reads only; the recording is left as it is.
 */
public final class HotSpots {
  private HotSpots() {}

  public static void main(String[] args) throws IOException {
    System.out.println(
        summarize(Path.of(args[0]), args.length > 1 ? Integer.parseInt(args[1]) : 25));
  }

  public static String summarize(Path recording, int top) throws IOException {
    Map<String, Long> self = new HashMap<>();
    Map<String, Long> total = new HashMap<>();
    Map<String, Long> ours = new HashMap<>();
    Map<String, Long> allocByClass = new HashMap<>();
    Map<String, Long> allocByOurs = new HashMap<>();
    long samples = 0;
    long allocated = 0;
    for (RecordedEvent event : RecordingFile.readAllEvents(recording)) {
      String type = event.getEventType().getName();
      RecordedStackTrace stack = event.getStackTrace();
      if (stack == null || stack.getFrames().isEmpty()) {
        continue;
      }
      List<RecordedFrame> frames = stack.getFrames();
      if (type.equals("jdk.ExecutionSample")) {
        samples++;
        self.merge(name(frames.get(0)), 1L, Long::sum);
        Set<String> seen = new HashSet<>();
        for (RecordedFrame frame : frames) {
          String n = name(frame);
          if (seen.add(n)) {
            total.merge(n, 1L, Long::sum);
          }
        }
        ours.merge(firstAttacheFrame(frames), 1L, Long::sum);
      } else if (type.equals("jdk.ObjectAllocationSample")) {
        long weight = event.getLong("weight");
        allocated += weight;
        allocByClass.merge(event.getClass("objectClass").getName(), weight, Long::sum);
        allocByOurs.merge(
            firstAttacheFrame(frames) + " → " + name(frames.get(0)), weight, Long::sum);
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("JFR ")
        .append(recording)
        .append(": ")
        .append(samples)
        .append(" execution samples, ")
        .append(allocated / (1024 * 1024))
        .append(" MB sampled allocation weight\n");
    section(out, "CPU, top frame (self)", self, samples, top);
    section(out, "CPU, anywhere on the stack (total)", total, samples, top);
    section(out, "CPU, by first io.attache frame", ours, samples, top);
    section(out, "Allocation, by class (weight)", allocByClass, allocated, top);
    section(
        out,
        "Allocation, by first io.attache frame → allocating frame",
        allocByOurs,
        allocated,
        top);
    return out.toString();
  }

  private static void section(
      StringBuilder out, String title, Map<String, Long> counts, long whole, int top) {
    out.append("\n").append(title).append(":\n");
    counts.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(top)
        .forEach(
            e ->
                out.append(
                    String.format(
                        Locale.ROOT,
                        "  %5.1f%%  %s%n",
                        whole == 0 ? 0.0 : 100.0 * e.getValue() / whole,
                        e.getKey())));
  }

  private static String firstAttacheFrame(List<RecordedFrame> frames) {
    for (RecordedFrame frame : frames) {
      RecordedMethod method = frame.getMethod();
      if (method != null && method.getType().getName().startsWith("io.attache.")) {
        return name(frame);
      }
    }
    return "(no io.attache frame: Netty/JDK I/O)";
  }

  private static String name(RecordedFrame frame) {
    RecordedMethod method = frame.getMethod();
    if (method == null) {
      return "(unknown)";
    }
    String type = method.getType().getName();
    return type.substring(type.lastIndexOf('.') + 1)
        + "."
        + method.getName()
        + (type.startsWith("io.attache.") ? "" : "  [" + packageOf(type) + "]");
  }

  private static String packageOf(String type) {
    int dot = type.lastIndexOf('.');
    return dot < 0 ? "" : type.substring(0, dot);
  }
}
