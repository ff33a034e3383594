package io.attache.controlplane.differential;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential harness at the edge: the same raw Envoy resources (a listener, its routes,
 * clusters with breakers, budgets, outlier detection and ring hash) through one REST API, and the
 * same request bytes, to a stock Envoy and to an Attaché proxy; what the clients, the upstreams,
 * the admin stats and the access log observed is compared field by field. One control plane, one
 * Envoy and one Attaché for the whole class. Differences listed in {@link EdgeKnownDifferences} are
 * printed, not failed on; any other fails the build.
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=EdgeDifferentialIT}.
 */
class EdgeDifferentialIT {

  @TempDir Path dir;

  @Test
  @ExtendWith(StockEnvoyExtension.class)
  void stockEnvoyAndAnAttacheProxyGivenTheSameRawResourcesAndBytesObserveTheSameAtTheEdge(
      Envoy envoy) throws Exception {
    long started = System.nanoTime();
    EdgeHarness.Run attacheRun =
        EdgeHarness.run(
            EdgeScenarios.all(),
            AttacheDataPlane::start,
            Files.createDirectories(dir.resolve("attache")));
    EdgeHarness.Run envoyRun =
        EdgeHarness.run(
            EdgeScenarios.all(),
            StockEnvoyDataPlane.starter(envoy, dir.resolve("envoy-process")),
            Files.createDirectories(dir.resolve("envoy")));
    List<Observation> attache = attacheRun.observations();
    List<Observation> stock = envoyRun.observations();
    DiffReport report = Differ.compare("envoy " + envoy.version(), stock, "attache", attache);
    List<KnownDifference> known = new ArrayList<>(EdgeKnownDifferences.OPEN);
    known.add(
        EdgeKnownDifferences.statsAttacheDoesNotEmit(report.differences(), attacheRun.statNames()));

    System.out.println(report.render());
    writeObservations("attache", attache);
    writeObservations("envoy", stock);
    for (KnownDifference k : known) {
      long count = report.differences().stream().filter(k::covers).count();
      System.out.printf("KNOWN DIFFERENCE (%d line(s) above): %s%n", count, k.describe());
    }
    System.out.println(summary(report, stock, known, envoy));
    System.out.printf(
        "EdgeDifferentialIT: both data planes took %d ms%n",
        (System.nanoTime() - started) / 1_000_000);

    assertThat(report.observationsCompared()).isEqualTo(stock.size()).isEqualTo(attache.size());
    List<Difference> unexpected =
        report.differences().stream()
            .filter(d -> known.stream().noneMatch(k -> k.covers(d)))
            .toList();
    assertThat(unexpected)
        .as(
            "differences no known difference explains:\n"
                + new DiffReport(report.leftName(), report.rightName(), 0, unexpected).render())
        .isEmpty();
    assertThat(
            EdgeKnownDifferences.OPEN.stream()
                .filter(k -> report.differences().stream().noneMatch(k::covers))
                .map(KnownDifference::describe)
                .toList())
        .as("known differences that no longer occur were fixed: remove them from the list")
        .isEmpty();
  }

  /** "Edge differential: N scenarios ran ..., A agreed, D differed (...)". */
  static String summary(
      DiffReport report, List<Observation> observed, List<KnownDifference> known, Envoy envoy) {
    Set<String> ran = new LinkedHashSet<>();
    observed.forEach(o -> ran.add(scenarioOf(o.scenario())));
    Set<String> differed = new TreeSet<>();
    report.differences().forEach(d -> differed.add(scenarioOf(d.scenario())));
    return String.format(
        "Edge differential: %d scenarios ran against %s and the Attaché proxy, %d agreed, %d"
            + " differed%s (%d observations, %d difference(s), all known: %s)",
        ran.size(),
        envoy.describe(),
        ran.size() - differed.size(),
        differed.size(),
        differed.isEmpty() ? "" : " " + differed,
        report.observationsCompared(),
        report.differences().size(),
        report.differences().stream().allMatch(d -> known.stream().anyMatch(k -> k.covers(d))));
  }

  /** Keeps both sides' observations in target/edge-differential/ for a reader of a failed run. */
  private static void writeObservations(String side, List<Observation> observations)
      throws java.io.IOException {
    Path out = Files.createDirectories(Path.of("target", "edge-differential"));
    StringBuilder text = new StringBuilder();
    observations.forEach(o -> text.append(o).append('\n'));
    Files.writeString(out.resolve(side + "-observations.txt"), text);
  }

  /** An access-log observation belongs to the scenario whose request it logs. */
  private static String scenarioOf(String observationScenario) {
    String prefix = EdgeHarness.ACCESS_LOG + "/";
    return observationScenario.startsWith(prefix)
        ? observationScenario.substring(prefix.length())
        : observationScenario;
  }
}
