package io.attache.dataplane.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.testkit.engine.EventConditions.finishedWithFailure;
import static org.junit.platform.testkit.engine.TestExecutionResultConditions.instanceOf;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The build's guard against a test that never ends (docs/testing.md): Surefire hands every test a
 * default JUnit timeout with a thread dump, and a test that outlives it fails. It reads the values
 * the build really passed, so removing them from the POM fails this test.
 */
@ExtendWith(GlobalTestTimeoutTest.LauncherConfiguration.class)
class GlobalTestTimeoutTest {

  private static final String TIMEOUT_DEFAULT = "junit.jupiter.execution.timeout.default";
  private static final String THREAD_DUMP = "junit.jupiter.execution.timeout.threaddump.enabled";

  @Test
  void theBuildGivesEveryUnitTestADefaultTimeoutWithAThreadDump(ExtensionContext launcher) {
    assertThat(launcher.getConfigurationParameter(TIMEOUT_DEFAULT)).hasValue("60 s");
    assertThat(launcher.getConfigurationParameter(THREAD_DUMP)).hasValue("true");
  }

  @Test
  void aTestThatNeverEndsFailsWithATimeoutAndTheStacksOfEveryThread(ExtensionContext launcher) {
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    PrintStream original = System.out;
    Events tests;
    System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
    try {
      tests =
          EngineTestKit.engine("junit-jupiter")
              .selectors(selectClass(NeverEnds.class))
              // The build's thread-dump switch, with a timeout short enough for a unit test.
              .configurationParameter(TIMEOUT_DEFAULT, "200 ms")
              .configurationParameter(
                  THREAD_DUMP, launcher.getConfigurationParameter(THREAD_DUMP).orElse("false"))
              .configurationParameter(
                  "junit.jupiter.conditions.deactivate", "org.junit.*DisabledCondition")
              .execute()
              .testEvents();
    } finally {
      System.setOut(original);
    }

    tests.assertStatistics(stats -> stats.started(1).failed(1));
    tests
        .assertThatEvents()
        .haveExactly(1, finishedWithFailure(instanceOf(TimeoutException.class)));
    assertThat(printed.toString(StandardCharsets.UTF_8))
        .as("the stacks of the stuck test's thread, printed before it is interrupted")
        .contains("waitsForALatchNobodyCountsDown")
        .contains(Thread.currentThread().getName());
  }

  /** Run only by the test above, through EngineTestKit with a 200 ms default timeout. */
  @Disabled("a deliberately stuck test: GlobalTestTimeoutTest runs it with a short timeout")
  static class NeverEnds {
    @Test
    void waitsForALatchNobodyCountsDown() throws InterruptedException {
      new CountDownLatch(1).await();
    }
  }

  /** Hands a test its own extension context, to read the configuration the launcher was given. */
  static final class LauncherConfiguration implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == ExtensionContext.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return context;
    }
  }
}
