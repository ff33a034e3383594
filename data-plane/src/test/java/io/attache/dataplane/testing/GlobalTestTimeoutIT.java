package io.attache.dataplane.testing;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Failsafe's half of {@link GlobalTestTimeoutTest}: integration tests get a longer default timeout
 * (real sockets, child processes) but still one, with the thread dump.
 */
@ExtendWith(GlobalTestTimeoutTest.LauncherConfiguration.class)
class GlobalTestTimeoutIT {

  @Test
  void theBuildGivesEveryIntegrationTestADefaultTimeoutWithAThreadDump(ExtensionContext launcher) {
    assertThat(launcher.getConfigurationParameter("junit.jupiter.execution.timeout.default"))
        .hasValue("5 m");
    assertThat(
            launcher.getConfigurationParameter(
                "junit.jupiter.execution.timeout.threaddump.enabled"))
        .hasValue("true");
  }
}
