package io.attache.bench.profile;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Summarises an async-profiler profile in collapsed form (one {@code frame;frame;...;leaf count}
 * line per distinct stack, root first): where the samples went by stage of the profiled program's
 * work (each benchmark names its own stages; the deepest stage marker on each stack wins, so
 * "kernel send" under "response write" counts as the send), by leaf frame, and by the deepest
 * Attaché frame. Kernel frames carry async-profiler's {@code _[k]} suffix. Reads only; pure, so it
 * is unit-tested.
 */
public final class CollapsedStacks {
  /** A stage and the frame text that marks it; the first matching marker names the stage. */
  public record Stage(String name, String marker) {
    /** A marker names a kernel stage when its name says so: such a stage may own kernel leaves. */
    boolean kernel() {
      return name.startsWith("kernel");
    }
  }

  /** The kernel stages every program on Linux has, to put before a benchmark's own stages. */
  public static final List<Stage> KERNEL_STAGES =
      List.of(
          new Stage("kernel: send/write", "tcp_sendmsg"),
          new Stage("kernel: send/write", "sock_write_iter"),
          new Stage("kernel: send/write", "__sys_sendto"),
          new Stage("kernel: receive", "tcp_recvmsg"),
          new Stage("kernel: receive", "__sys_recvfrom"),
          new Stage("kernel: epoll", "ep_poll"),
          new Stage("kernel: epoll_ctl", "do_epoll_ctl"));

  public static final String KERNEL_OTHER = "kernel: other";

  private final List<Stage> stages;
  private final String unmarked;
  private final Map<String, Long> byStage = new LinkedHashMap<>();
  private final Map<String, Long> byLeaf = new HashMap<>();
  private final Map<String, Long> byAttacheFrame = new HashMap<>();
  private long total;
  private long kernel;

  private CollapsedStacks(List<Stage> stages, String unmarked) {
    this.stages = List.copyOf(stages);
    this.unmarked = unmarked;
  }

  /**
   * Parses {@code lines}; {@code stages} in the order they are tried on each frame, {@code
   * unmarked} the stage of a stack with no marker on it.
   */
  public static CollapsedStacks parse(List<String> lines, List<Stage> stages, String unmarked) {
    CollapsedStacks s = new CollapsedStacks(stages, unmarked);
    for (String line : lines) {
      s.add(line);
    }
    return s;
  }

  private void add(String line) {
    int space = line.lastIndexOf(' ');
    if (space <= 0) {
      return;
    }
    long count;
    try {
      count = Long.parseLong(line.substring(space + 1).strip());
    } catch (NumberFormatException e) {
      return;
    }
    String[] frames = line.substring(0, space).split(";");
    total += count;
    String leaf = frames[frames.length - 1];
    if (leaf.endsWith("_[k]")) {
      kernel += count;
    }
    byLeaf.merge(leaf, count, Long::sum);
    byStage.merge(stageOf(frames), count, Long::sum);
    for (int i = frames.length - 1; i >= 0; i--) {
      if (frames[i].startsWith("io/attache/") || frames[i].startsWith("io.attache.")) {
        byAttacheFrame.merge(frames[i], count, Long::sum);
        break;
      }
    }
  }

  /**
   * The deepest marked frame's stage; a sample whose leaf is in the kernel is always kernel time,
   * "kernel: other" when its kernel stack was cut short (interrupt context) or names no marker.
   */
  String stageOf(String[] frames) {
    boolean inKernel = frames[frames.length - 1].endsWith("_[k]");
    for (int i = frames.length - 1; i >= 0; i--) {
      for (Stage stage : stages) {
        if (frames[i].contains(stage.marker())) {
          return inKernel && !stage.kernel() ? KERNEL_OTHER : stage.name();
        }
      }
    }
    return inKernel ? KERNEL_OTHER : unmarked;
  }

  public long total() {
    return total;
  }

  public double share(String stage) {
    return total == 0 ? 0 : (double) byStage.getOrDefault(stage, 0L) / total;
  }

  /**
   * The report: samples (for a CPU profile, the kernel's share: in an allocation profile the same
   * suffix marks allocations outside a TLAB instead), then the three rankings, {@code top} rows
   * each.
   */
  public String summary(String title, int top, boolean cpu) {
    StringBuilder out = new StringBuilder();
    out.append(String.format(Locale.ROOT, "%s: %,d samples", title, total));
    if (cpu) {
      out.append(String.format(Locale.ROOT, ", %.1f %% of them in the kernel", percent(kernel)));
    }
    out.append('\n');
    section(out, "by stage (deepest marker on the stack)", byStage, top);
    section(out, "by leaf frame (self)", byLeaf, top);
    section(out, "by deepest Attaché frame", byAttacheFrame, top);
    return out.toString();
  }

  private void section(StringBuilder out, String heading, Map<String, Long> counts, int top) {
    out.append('\n').append(heading).append(":\n");
    List<Map.Entry<String, Long>> rows = new ArrayList<>(counts.entrySet());
    rows.sort(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()));
    for (Map.Entry<String, Long> row : rows.subList(0, Math.min(top, rows.size()))) {
      out.append(
          String.format(Locale.ROOT, "  %5.1f %%  %s%n", percent(row.getValue()), row.getKey()));
    }
  }

  private double percent(long count) {
    return total == 0 ? 0 : 100.0 * count / total;
  }
}
