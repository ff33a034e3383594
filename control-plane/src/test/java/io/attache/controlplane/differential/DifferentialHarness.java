package io.attache.controlplane.differential;

import static org.awaitility.Awaitility.await;

import io.attache.controlplane.interop.InteropControlPlane;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs every scenario against one data plane: a fresh control plane and fresh upstreams, all policy
 * written through REST before the data plane starts (so its first config already has every route
 * and cluster), then each scenario's requests in turn. Returns the observations only; judging them
 * is the {@link Differ}'s job.
 */
final class DifferentialHarness {

  private DifferentialHarness() {}

  static List<Observation> run(DataPlaneUnderTest.Starter starter, Path dataDir) throws Exception {
    List<Scenario> scenarios = Scenarios.all();
    List<ScenarioSetup> setups = new ArrayList<>();
    try (InteropControlPlane controlPlane = InteropControlPlane.start(dataDir)) {
      try {
        for (Scenario scenario : scenarios) {
          ScenarioSetup setup = new ScenarioSetup(controlPlane);
          setups.add(setup);
          scenario.define(setup);
        }
        MeshBootstrap bootstrap =
            MeshBootstrap.forControlPlane("differential-node", controlPlane.xdsPort());
        try (DataPlaneUnderTest dataPlane = starter.start(bootstrap)) {
          long started = System.nanoTime();
          for (Scenario scenario : scenarios) {
            await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(
                    () ->
                        RawHttpClient.send(dataPlane.outboundPort(), scenario.readiness()).status()
                            != 404);
          }
          List<Observation> observations = new ArrayList<>();
          for (int i = 0; i < scenarios.size(); i++) {
            Scenario scenario = scenarios.get(i);
            ScenarioSetup setup = setups.get(i);
            setup.reset();
            long scenarioStart = System.nanoTime();
            observations.addAll(
                scenario.run(
                    new ScenarioClient(scenario.name(), dataPlane.outboundPort(), setup.log())));
            System.out.printf(
                "%s: scenario %s took %d ms%n",
                dataPlane.name(), scenario.name(), (System.nanoTime() - scenarioStart) / 1_000_000);
          }
          System.out.printf(
              "%s: all scenarios took %d ms after the data plane started%n",
              dataPlane.name(), (System.nanoTime() - started) / 1_000_000);
          return observations;
        }
      } finally {
        setups.forEach(ScenarioSetup::close);
      }
    }
  }

  /** Envoy's documented behaviour for every scenario, in run order. */
  static List<Observation> expectedEnvoyBehaviour() {
    return Scenarios.all().stream().flatMap(s -> s.expectedEnvoyBehaviour().stream()).toList();
  }
}
