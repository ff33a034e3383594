package io.attache.testing.envoy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestWatcher;
import org.opentest4j.TestAbortedException;

/**
 * Gives a test (or its {@code @BeforeEach}) the stock {@link Envoy} {@link EnvoyLocator} found, as
 * a parameter; prints one report line per test naming the Envoy version it ran against; prints the
 * output of every Envoy the test started when it failed, and stops them all after it. When no Envoy
 * is found the test FAILS with where it looked — under {@code CI=true} always; a developer may opt
 * out locally with {@code -Dattache.envoy.skipIfMissing=true}, and then the test is reported as
 * skipped with the same reasons. It must never skip silently.
 *
 * <p>Every outcome is also counted; {@link EnvoyTallyListener} prints the count when the test plan
 * ends.
 *
 * <p>Use {@code @ExtendWith(StockEnvoyExtension.class)} on the class, or on the one test method
 * that needs Envoy when its siblings do not.
 */
public final class StockEnvoyExtension
    implements BeforeEachCallback, ParameterResolver, AfterEachCallback, TestWatcher {

  /** The local opt-out; ignored under {@code CI=true}. */
  public static final String SKIP_IF_MISSING = "attache.envoy.skipIfMissing";

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(StockEnvoyExtension.class);
  private static final int OUTPUT_LINES_ON_FAILURE = 150;

  /** Located once per test JVM: every Envoy test of a module runs against the same binary. */
  private static volatile EnvoyLocator.Result located;

  private final Map<String, String> env;
  private final BooleanSupplier skipIfMissing;

  public StockEnvoyExtension() {
    this(System.getenv(), () -> Boolean.getBoolean(SKIP_IF_MISSING));
  }

  StockEnvoyExtension(Map<String, String> env, BooleanSupplier skipIfMissing) {
    this.env = env;
    this.skipIfMissing = skipIfMissing;
  }

  /** The Envoy every test of this JVM runs against, located on first use. */
  static EnvoyLocator.Result located() {
    EnvoyLocator.Result result = located;
    if (result == null) {
      synchronized (StockEnvoyExtension.class) {
        if (located == null) {
          located = EnvoyLocator.fromEnvironment().locate();
        }
        result = located;
      }
    }
    return result;
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    require(located(), context.getDisplayName());
  }

  /**
   * The Envoy, or the failure (or, opted out outside CI, the abort) that says why there is none.
   */
  Envoy require(EnvoyLocator.Result result, String test) {
    if (result.envoy().isPresent()) {
      return result.envoy().get();
    }
    boolean ci = "true".equalsIgnoreCase(env.getOrDefault("CI", ""));
    String why =
        "no stock Envoy found for "
            + test
            + ". Looked at:\n"
            + result.explain()
            + "\nInstall one with interop/envoy/install.sh (mvn -B verify runs it) or name one with"
            + " -D"
            + EnvoyLocator.BINARY_PROPERTY
            + "=/path/to/envoy or "
            + EnvoyLocator.BINARY_ENV
            + ".";
    if (!ci && skipIfMissing.getAsBoolean()) {
      String skipped =
          "SKIPPED (-D"
              + SKIP_IF_MISSING
              + "=true): "
              + why
              + " A skipped Envoy test is NOT interop evidence.";
      System.out.println(skipped);
      throw new TestAbortedException(skipped);
    }
    throw new AssertionError(
        "FAILED: "
            + why
            + (ci
                ? " Under CI=true a missing Envoy is a failure (-D"
                    + SKIP_IF_MISSING
                    + " is ignored)."
                : " Locally, -D" + SKIP_IF_MISSING + "=true skips these tests instead."));
  }

  @Override
  public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
    return parameter.getParameter().getType() == Envoy.class;
  }

  @Override
  public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
    Envoy envoy = require(located(), context.getDisplayName());
    Started started =
        context
            .getStore(NAMESPACE)
            .getOrComputeIfAbsent(Started.class, k -> new Started(), Started.class);
    return new Tracked(envoy, started);
  }

  @Override
  public void afterEach(ExtensionContext context) {
    Started started = context.getStore(NAMESPACE).remove(Started.class, Started.class);
    if (started == null) {
      return;
    }
    if (context.getExecutionException().isPresent()) {
      for (RunningEnvoy envoy : started.envoys) {
        System.out.println(
            "---- output of "
                + envoy
                + " (last "
                + OUTPUT_LINES_ON_FAILURE
                + " lines) ----\n"
                + envoy.outputTail(OUTPUT_LINES_ON_FAILURE)
                + "\n---- end of output ----");
      }
    }
    started.envoys.forEach(RunningEnvoy::close);
  }

  @Override
  public void testSuccessful(ExtensionContext context) {
    report(context, EnvoyTally.Outcome.PASSED);
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    report(context, EnvoyTally.Outcome.FAILED);
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    report(context, EnvoyTally.Outcome.SKIPPED);
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    report(context, EnvoyTally.Outcome.DISABLED);
  }

  private static void report(ExtensionContext context, EnvoyTally.Outcome outcome) {
    EnvoyTally.OF_THIS_JVM.record(outcome);
    String envoy = located().envoy().map(Envoy::describe).orElse("no stock Envoy");
    System.out.printf(
        "[%s] %s.%s: %s%n",
        envoy, context.getRequiredTestClass().getSimpleName(), context.getDisplayName(), outcome);
  }

  /** The Envoys one test started, so they are stopped (and quoted on failure) after it. */
  private static final class Started {
    final List<RunningEnvoy> envoys = new ArrayList<>();
  }

  /** The located Envoy as one test sees it: what it starts is recorded for the teardown. */
  private record Tracked(Envoy delegate, Started started) implements Envoy {
    @Override
    public String version() {
      return delegate.version();
    }

    @Override
    public String origin() {
      return delegate.origin();
    }

    @Override
    public Optional<Path> binaryPath() {
      return delegate.binaryPath();
    }

    @Override
    public RunningEnvoy start(String name, String bootstrapYaml, Path workDir)
        throws IOException, InterruptedException {
      RunningEnvoy envoy = delegate.start(name, bootstrapYaml, workDir);
      synchronized (started) {
        started.envoys.add(envoy);
      }
      return envoy;
    }

    @Override
    public Validation validate(String name, String bootstrapYaml, Path workDir, String... flags)
        throws IOException, InterruptedException {
      return delegate.validate(name, bootstrapYaml, workDir, flags);
    }
  }
}
