package io.attache.controlplane.interop;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/**
 * Says out loud why the container tests do not run where no Docker engine exists, so nobody reads a
 * skipped stock-Envoy test as interop evidence. It decides nothing: {@code
 * Testcontainers(disabledWithoutDocker = true)} disables the class; this only prints the reason.
 */
final class DockerAvailability implements ExecutionCondition {

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    if (context.getTestMethod().isEmpty() && !DockerClientFactory.instance().isDockerAvailable()) {
      System.out.println(
          "SKIPPED "
              + context.getDisplayName()
              + ": no Docker engine is reachable, so stock Envoy cannot be started here."
              + " A skipped test is NOT interop evidence; run it where Docker runs (docs/interop.md).");
    }
    return ConditionEvaluationResult.enabled("Testcontainers decides");
  }
}
