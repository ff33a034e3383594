package io.attache.controlplane.interop.matrix;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * Turns the outcome of each {@link Verifies} test into a matrix cell for its class's {@link
 * InteropSubject}, writes the class's cells to {@code target/interop-results/<class>.json} and
 * fails the class when {@code docs/interop-matrix.json} says otherwise (the committed matrix is
 * stale). With {@code -Dattache.regenerateDocs=true} it rewrites that file and {@code
 * docs/interop.md} instead.
 *
 * <p>A failing scenario fails its test unless the committed matrix already records it as failing (a
 * known failure, printed on every run) or the client declares the feature unsupported (then the
 * scenario must fail; one that passes is a wrong claim). It never turns a failure into a pass
 * silently: each one is printed with its reason.
 */
public final class InteropResults implements InvocationInterceptor, AfterAllCallback {

  private static final boolean REGENERATE = Boolean.getBoolean("attache.regenerateDocs");
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(InteropResults.class);

  @Override
  public void interceptTestMethod(
      Invocation<Void> invocation,
      ReflectiveInvocationContext<Method> invocationContext,
      ExtensionContext context)
      throws Throwable {
    Verifies verifies = context.getRequiredTestMethod().getAnnotation(Verifies.class);
    if (verifies == null) {
      invocation.proceed();
      return;
    }
    Throwable failure = null;
    try {
      invocation.proceed();
    } catch (Throwable t) {
      failure = t;
    }
    InteropSubject subject = (InteropSubject) context.getRequiredTestInstance();
    InteropFeature feature = verifies.value();
    InteropColumn column = subject.column();
    String evidence = context.getRequiredTestClass().getSimpleName();
    InteropMatrix results = results(context);
    results.version(column, subject.clientVersion());
    String citation = subject.unsupported().get(feature);
    if (citation != null) {
      if (failure == null) {
        throw new AssertionError(
            column.title()
                + " is declared not to support "
                + feature.id()
                + " ("
                + citation
                + ") but the scenario passed: remove the declaration");
      }
      results.put(feature, column, new Cell(Verdict.UNSUPPORTED, evidence, citation));
      System.out.printf(
          "INTEROP %s × %s: unsupported (%s); the scenario failed as expected: %s%n",
          column.id(), feature.id(), citation, failure);
      return;
    }
    if (failure == null) {
      results.put(feature, column, new Cell(Verdict.VERIFIED, evidence, ""));
      System.out.printf("INTEROP %s × %s: verified%n", column.id(), feature.id());
      return;
    }
    results.put(feature, column, new Cell(Verdict.FAILING, evidence, firstLine(failure)));
    Optional<Cell> committed = committed().cell(feature, column);
    boolean known = committed.map(c -> c.verdict() == Verdict.FAILING).orElse(false);
    System.out.printf(
        "INTEROP %s × %s: FAILING%s: %s%n",
        column.id(), feature.id(), known ? " (known, in docs/interop.md)" : "", failure);
    if (!known && !REGENERATE) {
      throw failure;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) throws Exception {
    InteropMatrix results =
        context.getStore(NAMESPACE).get(InteropMatrix.class, InteropMatrix.class);
    if (results == null) {
      return;
    }
    results.write(
        Path.of(
            "target", "interop-results", context.getRequiredTestClass().getSimpleName() + ".json"));
    InteropMatrix committed = committed();
    List<String> stale = results.staleIn(committed);
    if (stale.isEmpty()) {
      return;
    }
    if (REGENERATE) {
      results.mergeInto(committed);
      InteropMatrixDoc.writeDoc(committed);
      System.out.println(
          "INTEROP regenerated docs/interop-matrix.json and docs/interop.md: " + stale);
      return;
    }
    throw new AssertionError(
        "docs/interop.md is stale (docs/interop-matrix.json):\n  "
            + String.join("\n  ", stale)
            + "\nRegenerate with:\n  "
            + InteropMatrixDoc.REGENERATE);
  }

  private static InteropMatrix results(ExtensionContext context) {
    return context
        .getParent()
        .orElseThrow()
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(InteropMatrix.class, k -> new InteropMatrix(), InteropMatrix.class);
  }

  private static InteropMatrix committed() {
    try {
      return InteropMatrix.read(InteropMatrixDoc.MATRIX_JSON);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The failure's message on one line (AssertJ puts "expected" and "but was" on their own). */
  private static String firstLine(Throwable failure) {
    String message =
        String.valueOf(failure.getMessage())
            .strip()
            .replaceAll("\\s*\n\\s*", " ")
            .replaceFirst("^Assertion condition defined as a [Ll]ambda expression in \\S+ ", "");
    return message.length() > 200 ? message.substring(0, 200) + "…" : message;
  }
}
