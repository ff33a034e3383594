package io.attache.dataplane.cli;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.EnvoyLocator;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The census behind issue 15's "Done when": every bootstrap in Envoy's own example sets (Envoy's
 * {@code configs/} and {@code docs/root/}, the {@code envoyproxy/examples} sandboxes), read from
 * git directories the caller brought here, goes through {@code attache proxy --mode validate}; it
 * prints each verdict, the accepted share, the refusals grouped by reason and every stack trace.
 * Each file also goes through a stock Envoy's {@code --mode validate} (found by {@link
 * EnvoyLocator}), so the share reads "accepted by Attaché / all" next to "accepted by Envoy / all".
 * A file that names certificates its sandbox generates at start-up is validated, by both, in a
 * throw-away directory where {@link CensusSandbox} made them, and the output says so. Run by {@code
 * interop/envoy/example-census.sh}; reads the git directories only, never changes one, and is not a
 * test (the example sets are not part of the build).
 *
 * <p>Arguments: {@code LABEL=GIT_DIR[#PREFIX,PREFIX...]}, one per example set.
 */
public final class ExampleBootstrapCensus {
  private static final Set<String> BOOTSTRAP_KEYS =
      Set.of("node", "static_resources", "dynamic_resources", "admin", "layered_runtime");
  private static final Pattern REFUSAL =
      Pattern.compile("invalid config: (?<path>[^:]*): (?<reason>.*)", Pattern.DOTALL);
  private static final Pattern INDEX = Pattern.compile("\\[[^]]*]");

  private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w.$<>]+\\(");
  private static final long VALIDATE_TIMEOUT_SECONDS = 120;

  /** One file's verdict: accepted, refused for a reason, or a crash with its stack trace. */
  record Verdict(String source, boolean accepted, String reason, String stackTrace) {}

  /**
   * One file's verdicts from both data planes.
   *
   * @param envoy stock Envoy's verdict; {@code null} when no Envoy was found
   * @param sandbox what {@link CensusSandbox} generated (or could not) for this file
   */
  record Row(Verdict attache, Verdict envoy, CensusSandbox.Prepared sandbox) {
    String source() {
      return attache.source();
    }
  }

  private ExampleBootstrapCensus() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ExampleBootstrapCensus LABEL=GIT_DIR[#PREFIX,PREFIX...] ...");
      System.exit(2);
    }
    Path scratch = Files.createTempDirectory("attache-census");
    EnvoyLocator.Result located = EnvoyLocator.fromEnvironment().locate();
    Optional<Envoy> envoy = located.envoy();
    Optional<Path> envoyBinary = envoy.flatMap(Envoy::binaryPath);
    String envoyName = envoy.map(Envoy::describe).orElse("no stock Envoy");
    System.out.printf("Envoy column: %s%n", envoyName);
    if (envoyBinary.isEmpty()) {
      System.out.printf(
          "  (a binary is needed to run it in each file's sandbox; looked:)%n%s%n",
          located.explain());
    }
    List<Row> rows = new ArrayList<>();
    Map<String, String> texts = new TreeMap<>();
    for (String arg : args) {
      String label = arg.substring(0, arg.indexOf('='));
      String rest = arg.substring(arg.indexOf('=') + 1);
      String gitDir = rest.contains("#") ? rest.substring(0, rest.indexOf('#')) : rest;
      List<String> prefixes =
          rest.contains("#")
              ? List.of(rest.substring(rest.indexOf('#') + 1).split(","))
              : List.of("");
      String commit = git(gitDir, "rev-parse", "HEAD").strip();
      System.out.printf("%s: %s at %s%n", label, gitDir, commit);
      for (String path : git(gitDir, "ls-tree", "-r", "--name-only", "HEAD").lines().toList()) {
        if (!path.matches(".*\\.(ya?ml|json)") || prefixes.stream().noneMatch(path::startsWith)) {
          continue;
        }
        String text = git(gitDir, "show", "HEAD:" + path);
        if (isBootstrap(text)) {
          rows.add(census(label + ":" + path, text, scratch, envoyBinary));
          texts.put(label + ":" + path, text);
        }
      }
    }
    print(rows, envoyBinary.isPresent() ? envoyName : null, System.out);
    if (envoy.isPresent()) {
      List<ExampleBehaviourCheck.Outcome> outcomes = new ArrayList<>();
      for (Row row : rows) {
        if (row.attache().accepted() && row.envoy().accepted()) {
          outcomes.add(
              ExampleBehaviourCheck.check(
                  row.source(),
                  texts.get(row.source()),
                  envoy.get(),
                  Files.createTempDirectory(scratch, "behaviour")));
        }
      }
      printBehaviour(outcomes, System.out);
    }
    deleteTree(scratch);
  }

  /**
   * Both verdicts on one file, each in a fresh sandbox directory holding what its sandbox would
   * generate; Attaché runs in-process unless relative files were generated (then in a JVM whose
   * working directory is the sandbox, as Envoy's is).
   */
  static Row census(String source, String text, Path scratch, Optional<Path> envoyBinary)
      throws IOException, InterruptedException {
    Path sandbox = Files.createTempDirectory(scratch, "sandbox");
    CensusSandbox.Prepared prepared = CensusSandbox.prepare(text, sandbox);
    Path file = sandbox.resolve(source.endsWith(".json") ? "envoy.json" : "envoy.yaml");
    Files.writeString(file, text);
    Verdict attache =
        prepared.generated().isEmpty()
            ? validate(source, text, scratch)
            : normalised(
                validateInSandbox(
                    source,
                    sandbox,
                    List.of(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp",
                        absoluteClassPath(),
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=error",
                        ProxyMain.class.getName(),
                        "--mode",
                        "validate",
                        "-c",
                        file.toString())),
                ExampleBootstrapCensus::reason);
    Verdict envoy = null;
    if (envoyBinary.isPresent()) {
      envoy =
          normalised(
              validateInSandbox(
                  source,
                  sandbox,
                  List.of(
                      envoyBinary.get().toString(),
                      "--mode",
                      "validate",
                      "-c",
                      file.toString(),
                      "--use-dynamic-base-id",
                      "-l",
                      "warning")),
              ExampleBootstrapCensus::envoyReason);
    }
    deleteTree(sandbox);
    return new Row(attache, envoy, prepared);
  }

  /** This JVM's class path with every entry absolute: the sandbox JVM runs elsewhere. */
  private static String absoluteClassPath() {
    return Stream.of(System.getProperty("java.class.path").split(File.pathSeparator))
        .map(entry -> Path.of(entry).toAbsolutePath().toString())
        .collect(Collectors.joining(File.pathSeparator));
  }

  /** Envoy's last line without its log prefix and the sandbox's path. */
  static String envoyReason(String output) {
    return new Envoy.Validation(1, output)
        .reason()
        .replaceFirst("^\\[[^]]*] ", "")
        .replaceFirst("^error initializing configuration '[^']*': ", "");
  }

  /** The verdict with a refusal's whole output cut down to its reason. */
  private static Verdict normalised(Verdict raw, UnaryOperator<String> reason) {
    return raw.accepted() || raw.stackTrace() != null || raw.reason() == null
        ? raw
        : new Verdict(raw.source(), false, reason.apply(raw.reason()), null);
  }

  /** Runs a validating process in {@code sandbox} (relative paths resolve there). */
  private static Verdict validateInSandbox(String source, Path sandbox, List<String> command)
      throws IOException, InterruptedException {
    Path log = sandbox.resolve("validate.log");
    Process process =
        new ProcessBuilder(command)
            .directory(sandbox.toFile())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile())
            .start();
    process.getOutputStream().close();
    if (!process.waitFor(VALIDATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return new Verdict(
          source, false, "did not finish in " + VALIDATE_TIMEOUT_SECONDS + " s", null);
    }
    String output = Files.readString(log);
    if (STACK_FRAME.matcher(output).find()) {
      return new Verdict(source, false, null, output);
    }
    boolean accepted = process.exitValue() == 0;
    return new Verdict(source, accepted, accepted ? null : output, null);
  }

  static void print(List<Row> rows, String envoyName, PrintStream out) {
    for (Row row : rows) {
      out.printf("  %-70s %s%n", row.source(), verdictText(row.attache()));
      if (row.envoy() != null) {
        out.printf("  %-70s %s%n", "    stock Envoy:", verdictText(row.envoy()));
      }
      if (!row.sandbox().generated().isEmpty()) {
        out.printf("  %-70s generated %s%n", "    sandbox:", row.sandbox().generated());
      }
      if (!row.sandbox().missing().isEmpty()) {
        out.printf("  %-70s not generated %s%n", "    sandbox:", row.sandbox().missing());
      }
    }
    List<Verdict> verdicts = rows.stream().map(Row::attache).toList();
    long accepted = verdicts.stream().filter(Verdict::accepted).count();
    out.printf(
        "%nAccepted by Attaché: %d of %d (%s)%n",
        accepted, rows.size(), share(accepted, rows.size()));
    if (envoyName != null) {
      long byEnvoy = rows.stream().filter(r -> r.envoy().accepted()).count();
      out.printf(
          "Accepted by %s: %d of %d (%s)%n",
          envoyName, byEnvoy, rows.size(), share(byEnvoy, rows.size()));
      long both = rows.stream().filter(r -> r.attache().accepted() && r.envoy().accepted()).count();
      out.printf(
          "Accepted by Attaché of those Envoy accepts: %d of %d (%s)%n",
          both, byEnvoy, share(both, byEnvoy));
      List<Row> attacheOnly =
          rows.stream().filter(r -> r.attache().accepted() && !r.envoy().accepted()).toList();
      out.printf("%nAccepted by Attaché, refused by Envoy: %d%n", attacheOnly.size());
      attacheOnly.forEach(
          r -> out.printf("  %-70s envoy: %s%n", r.source(), verdictText(r.envoy())));
    }
    long withSandbox = rows.stream().filter(r -> !r.sandbox().generated().isEmpty()).count();
    out.printf(
        "%nSandbox files generated (throw-away certificates, as the sandboxes make at start-up) for %d files%n",
        withSandbox);
    Map<String, Integer> byReason = new TreeMap<>();
    for (Verdict v : verdicts) {
      if (!v.accepted() && v.stackTrace() == null) {
        byReason.merge(v.reason(), 1, Integer::sum);
      }
    }
    out.println("\nRefused by Attaché, by first reason:");
    byReason.entrySet().stream()
        .sorted(
            Map.Entry.<String, Integer>comparingByValue()
                .reversed()
                .thenComparing(Map.Entry.comparingByKey()))
        .forEach(e -> out.printf("  %3d  %s%n", e.getValue(), e.getKey()));
    List<Verdict> crashes = verdicts.stream().filter(v -> v.stackTrace() != null).toList();
    out.printf("%nStack traces: %d%n", crashes.size());
    crashes.stream()
        .sorted(Comparator.comparing(Verdict::source))
        .forEach(v -> out.printf("--- %s%n%s%n", v.source(), v.stackTrace()));
  }

  /**
   * The behaviour section: each file both accept, run by both with its clusters pointed at local
   * upstreams ({@link ExampleBehaviourCheck}); agreements, every difference, and why a file was not
   * run.
   */
  static void printBehaviour(List<ExampleBehaviourCheck.Outcome> outcomes, PrintStream out) {
    out.printf(
        "%nBehaviour (files both accept, listeners on loopback, clusters on local upstreams, one"
            + " request per route):%n");
    for (ExampleBehaviourCheck.Outcome o : outcomes) {
      out.printf(
          "  %-70s %s%s%n",
          o.source(), o.status(), o.requests() > 0 ? " (" + o.requests() + " requests)" : "");
      o.differences().forEach(d -> out.printf("      %s%n", d));
    }
    long run = outcomes.stream().filter(o -> o.requests() > 0).count();
    long agreed = outcomes.stream().filter(ExampleBehaviourCheck.Outcome::agreed).count();
    int requests = outcomes.stream().mapToInt(ExampleBehaviourCheck.Outcome::requests).sum();
    out.printf(
        "Behaviour: %d of %d files run (%d requests); %d agree with Envoy, %d differ; %d not run%n",
        run, outcomes.size(), requests, agreed, run - agreed, outcomes.size() - run);
    Map<String, Integer> why = new TreeMap<>();
    outcomes.stream()
        .filter(o -> o.requests() == 0)
        .forEach(o -> why.merge(o.status(), 1, Integer::sum));
    why.forEach((reason, n) -> out.printf("  %3d  %s%n", n, reason));
  }

  private static String verdictText(Verdict v) {
    return v.accepted() ? "accepted" : v.stackTrace() != null ? "STACK TRACE" : v.reason();
  }

  private static String share(long part, long whole) {
    return whole == 0 ? "—" : (100 * part / whole) + " %";
  }

  /** Validates one bootstrap as {@code attache proxy --mode validate -c FILE} does. */
  static Verdict validate(String source, String text, Path scratch) throws IOException {
    Path file =
        Files.createTempFile(scratch, "bootstrap", source.endsWith(".json") ? ".json" : ".yaml");
    Files.writeString(file, text);
    StringWriter out = new StringWriter();
    StringWriter crash = new StringWriter();
    int exit =
        new CommandLine(new ProxyMain())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(out, true))
            .setExecutionExceptionHandler(
                (e, cmd, parsed) -> {
                  e.printStackTrace(new PrintWriter(crash, true));
                  return 3;
                })
            .execute("--mode", "validate", "-c", file.toString());
    Files.delete(file);
    if (!crash.toString().isEmpty()) {
      return new Verdict(source, false, null, crash.toString());
    }
    return new Verdict(source, exit == 0, exit == 0 ? null : reason(out.toString()), null);
  }

  /**
   * The refusal without what is particular to one file: list indices and names dropped from the
   * field path, and the message cut where it starts to list what is supported.
   */
  static String reason(String output) {
    String last = output.strip();
    Matcher m = REFUSAL.matcher(last);
    if (!m.find()) {
      return last.lines().findFirst().orElse("(no message)");
    }
    String path = INDEX.matcher(m.group("path")).replaceAll("");
    String reason = m.group("reason").lines().findFirst().orElse("");
    int cut = reason.indexOf("; supported");
    if (cut >= 0) {
      reason = reason.substring(0, cut);
    }
    reason = reason.replaceAll("^HTTP filter \\S+ ", "HTTP filter ");
    return path + ": " + reason;
  }

  static boolean isBootstrap(String text) {
    List<Object> documents = new ArrayList<>();
    try {
      new Yaml(new LoaderOptions()).loadAll(text).forEach(documents::add);
    } catch (RuntimeException notYaml) {
      return false; // a template (Jinja) or not YAML at all
    }
    return documents.size() == 1
        && documents.get(0) instanceof Map<?, ?> map
        && !map.containsKey("kind")
        && !map.containsKey("resources")
        && map.keySet().stream().anyMatch(k -> k instanceof String s && BOOTSTRAP_KEYS.contains(s));
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String git(String gitDir, String... args)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("git", "--git-dir", gitDir));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    byte[] bytes = p.getInputStream().readAllBytes();
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IOException("git " + String.join(" ", args) + " failed in " + gitDir);
    }
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
