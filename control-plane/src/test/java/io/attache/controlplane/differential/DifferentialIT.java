package io.attache.controlplane.differential;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The differential harness: the same scenarios (docs/interop.md) against an Attaché proxy and a
 * stock Envoy fed the same xDS, comparing what the client and the upstreams observed. The Attaché
 * half is held to Envoy's behaviour written down in each scenario; the Envoy half runs the real
 * binary, must match Attaché, and checks that written-down behaviour against Envoy itself, so the
 * oracle cannot drift. A missing Envoy fails the Envoy half (see {@link StockEnvoyExtension}).
 * Differences listed in {@link KnownDifference#OPEN} are printed, not failed on.
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false -Dit.test=DifferentialIT}.
 */
class DifferentialIT {

  /** The Attaché observations, shared by both tests: one run per JVM is enough. */
  private static List<Observation> attache;

  @TempDir Path dir;

  private List<Observation> attacheObservations() throws Exception {
    if (attache == null) {
      attache =
          DifferentialHarness.run(
              AttacheDataPlane::start, Files.createDirectories(dir.resolve("attache")));
    }
    return attache;
  }

  @Test
  void anAttacheProxyBehavesAsStockEnvoyIsDocumentedToBehaveInEveryScenario() throws Exception {
    DiffReport report =
        Differ.compare(
            "envoy(documented)",
            DifferentialHarness.expectedEnvoyBehaviour(),
            "attache",
            attacheObservations());

    printWithKnownDifferences(report);
    assertThat(report.observationsCompared())
        .isEqualTo(DifferentialHarness.expectedEnvoyBehaviour().size());
    assertThat(unexpected(report)).as(report.render()).isEmpty();
    assertThat(KnownDifference.OPEN)
        .as("a known difference that no longer occurs was fixed: remove it from the list")
        .allMatch(k -> report.differences().stream().anyMatch(k::covers));
  }

  @Test
  @ExtendWith(StockEnvoyExtension.class)
  void stockEnvoyAndAnAttacheProxyFedTheSameXdsObserveTheSameInEveryScenario(Envoy envoy)
      throws Exception {
    String envoyName = "envoy " + envoy.version();
    List<Observation> observed =
        DifferentialHarness.run(
            StockEnvoyDataPlane.starter(envoy, dir.resolve("envoy-process")),
            Files.createDirectories(dir.resolve("envoy")));
    DiffReport differential = Differ.compare(envoyName, observed, "attache", attacheObservations());
    DiffReport oracle =
        Differ.compare(
            "envoy(documented)", DifferentialHarness.expectedEnvoyBehaviour(), envoyName, observed);

    printWithKnownDifferences(differential);
    System.out.println(oracle.render());
    System.out.println(oracleSummary(oracle, envoy));
    assertThat(oracle.observationsCompared())
        .isEqualTo(DifferentialHarness.expectedEnvoyBehaviour().size());
    assertThat(oracle.differences())
        .as("the behaviour written down in the scenarios must be Envoy's: " + oracle.render())
        .isEmpty();
    assertThat(unexpected(differential)).as(differential.render()).isEmpty();
  }

  /**
   * "Envoy oracle: N of M scenarios ..." — the line that says the written-down table was checked.
   */
  static String oracleSummary(DiffReport oracle, Envoy envoy) {
    Set<String> all = new TreeSet<>();
    Scenarios.all().forEach(s -> all.add(s.name()));
    Set<String> failed = new TreeSet<>();
    oracle.differences().forEach(d -> failed.add(d.scenario()));
    return String.format(
        "Envoy oracle: %d of %d scenarios passed against %s, as EnvoyBehaviour/Scenarios write"
            + " them down%s",
        all.size() - failed.size(),
        all.size(),
        envoy.describe(),
        failed.isEmpty() ? "" : "; failed: " + failed);
  }

  private static List<Difference> unexpected(DiffReport report) {
    return report.differences().stream().filter(d -> !KnownDifference.known(d)).toList();
  }

  private static void printWithKnownDifferences(DiffReport report) {
    System.out.println(report.render());
    for (KnownDifference known : KnownDifference.OPEN) {
      long count = report.differences().stream().filter(known::covers).count();
      System.out.printf("KNOWN DIFFERENCE (%d line(s) above): %s%n", count, known.describe());
    }
  }
}
