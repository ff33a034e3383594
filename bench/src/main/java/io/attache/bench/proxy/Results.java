package io.attache.bench.proxy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Per-round measurements of every (metric, target) cell, and the table of medians and ratios made
 * from them. A failed measurement is recorded as NaN and left out of the median; a cell with no
 * valid round prints as "n/a", never as zero.
 */
public final class Results {
  public static final String DIRECT = "direct";
  public static final String NGINX = "nginx";
  public static final String HAPROXY = "haproxy";
  public static final String ENVOY = "envoy";

  private final List<String> targets;
  private final String primary;
  private final int rounds;
  private final Map<Metric, Map<String, double[]>> values = new EnumMap<>(Metric.class);

  /**
   * @param targets column order; must contain {@link #DIRECT}
   * @param primary the Attaché target the ratio columns are computed for
   */
  public Results(List<String> targets, String primary, int rounds) {
    if (!targets.contains(DIRECT) || !targets.contains(primary)) {
      throw new IllegalArgumentException("targets must include direct and " + primary);
    }
    this.targets = List.copyOf(targets);
    this.primary = primary;
    this.rounds = rounds;
    for (Metric metric : Metric.values()) {
      Map<String, double[]> perTarget = new LinkedHashMap<>();
      for (String target : targets) {
        double[] perRound = new double[rounds];
        Arrays.fill(perRound, Double.NaN);
        perTarget.put(target, perRound);
      }
      values.put(metric, perTarget);
    }
  }

  public void record(Metric metric, String target, int round, double value) {
    values.get(metric).get(target)[round] = value;
  }

  /** The raw per-round values of one cell (absolute, also for latency). */
  public double[] raw(Metric metric, String target) {
    return values.get(metric).get(target).clone();
  }

  /** The value the table shows: the median over rounds, latency as added over direct. */
  public double median(Metric metric, String target) {
    double[] own = values.get(metric).get(target);
    if (!metric.addedOverDirect() || target.equals(DIRECT)) {
      return median(own);
    }
    double[] direct = values.get(metric).get(DIRECT);
    double[] added = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      added[r] = own[r] - direct[r];
    }
    return median(added);
  }

  static double median(double[] samples) {
    double[] valid = Arrays.stream(samples).filter(v -> !Double.isNaN(v)).sorted().toArray();
    if (valid.length == 0) {
      return Double.NaN;
    }
    int mid = valid.length / 2;
    return valid.length % 2 == 1 ? valid[mid] : (valid[mid - 1] + valid[mid]) / 2;
  }

  /**
   * The Markdown table: one row per metric, one column per target, then the primary target's ratios
   * against direct, NGINX, HAProxy and Envoy (primary ÷ other).
   */
  public String table() {
    List<String> ratioAgainst = new ArrayList<>();
    for (String other : List.of(DIRECT, NGINX, HAPROXY, ENVOY)) {
      if (targets.contains(other) && !other.equals(primary)) {
        ratioAgainst.add(other);
      }
    }
    StringBuilder out = new StringBuilder("| metric | unit |");
    for (String target : targets) {
      out.append(' ').append(target).append(" |");
    }
    for (String other : ratioAgainst) {
      out.append(' ').append(primary).append(" ÷ ").append(other).append(" |");
    }
    out.append("\n|---|---|");
    out.append("---:|".repeat(targets.size() + ratioAgainst.size()));
    out.append('\n');
    for (Metric metric : Metric.values()) {
      out.append("| ").append(metric.label()).append(" | ").append(metric.unit()).append(" |");
      for (String target : targets) {
        String cell = format(median(metric, target), metric);
        if (metric.addedOverDirect() && target.equals(DIRECT)) {
          cell = "(" + cell + " absolute)";
        }
        out.append(' ').append(cell).append(" |");
      }
      double mine = median(metric, primary);
      for (String other : ratioAgainst) {
        boolean meaningless =
            metric.addedOverDirect() && other.equals(DIRECT)
                || metric.better() == Metric.Better.NEITHER;
        out.append(' ').append(meaningless ? "—" : ratio(mine, median(metric, other))).append(" |");
      }
      out.append('\n');
    }
    return out.toString();
  }

  /** Every round's raw value, for the record under the table. */
  public String rawTable() {
    StringBuilder out =
        new StringBuilder("| metric | target | per round (absolute) |\n|---|---|---|\n");
    for (Metric metric : Metric.values()) {
      for (String target : targets) {
        out.append("| ").append(metric.label()).append(" | ").append(target).append(" | ");
        double[] perRound = values.get(metric).get(target);
        for (int r = 0; r < perRound.length; r++) {
          out.append(r == 0 ? "" : ", ").append(format(perRound[r], metric));
        }
        out.append(" |\n");
      }
    }
    return out.toString();
  }

  static String ratio(double mine, double other) {
    if (Double.isNaN(mine) || Double.isNaN(other) || other == 0) {
      return "n/a";
    }
    return String.format(Locale.ROOT, "%.2f×", mine / other);
  }

  static String format(double value, Metric metric) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    return switch (metric) {
      case CPU_PER_1000 -> String.format(Locale.ROOT, "%.3f", value);
      case RSS, PSS -> String.format(Locale.ROOT, "%.1f", value);
      default -> String.format(Locale.ROOT, "%,.0f", value);
    };
  }
}
