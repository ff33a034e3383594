package io.attache.testing.envoy;

import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.TestPlan;

/**
 * Prints, when a module's test plan has run, how many of its tests ran against a stock Envoy and
 * how they ended, so every build log says how much was checked against the real Envoy. Registered
 * with the JUnit Platform through {@code META-INF/services}; prints nothing where no Envoy test
 * ran, and must never change an outcome.
 */
public final class EnvoyTallyListener implements TestExecutionListener {

  @Override
  public void testPlanExecutionFinished(TestPlan testPlan) {
    EnvoyTally tally = EnvoyTally.OF_THIS_JVM;
    if (tally.total() > 0) {
      String envoy =
          StockEnvoyExtension.located().envoy().map(Envoy::describe).orElse("no stock Envoy");
      System.out.println(tally.summary(envoy));
    }
    tally.clear();
  }
}
