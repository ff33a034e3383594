package io.attache.dataplane.cli;

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
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * The census behind issue 15's "Done when": every bootstrap in Envoy's own example sets (Envoy's
 * {@code configs/} and {@code docs/root/}, the {@code envoyproxy/examples} sandboxes), read from
 * git directories the caller brought here, goes through {@code attache proxy --mode validate}; it
 * prints each verdict, the accepted share, the refusals grouped by reason and every stack trace.
 * Run by {@code interop/envoy/example-census.sh}; reads the git directories only, never changes
 * one, and is not a test (the example sets are not part of the build).
 *
 * <p>Arguments: {@code LABEL=GIT_DIR[#PREFIX,PREFIX...]}, one per example set.
 */
public final class ExampleBootstrapCensus {
  private static final Set<String> BOOTSTRAP_KEYS =
      Set.of("node", "static_resources", "dynamic_resources", "admin", "layered_runtime");
  private static final Pattern REFUSAL =
      Pattern.compile("invalid config: (?<path>[^:]*): (?<reason>.*)", Pattern.DOTALL);
  private static final Pattern INDEX = Pattern.compile("\\[[^]]*]");

  /** One file's verdict: accepted, refused for a reason, or a crash with its stack trace. */
  record Verdict(String source, boolean accepted, String reason, String stackTrace) {}

  private ExampleBootstrapCensus() {}

  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      System.err.println("usage: ExampleBootstrapCensus LABEL=GIT_DIR[#PREFIX,PREFIX...] ...");
      System.exit(2);
    }
    Path scratch = Files.createTempDirectory("attache-census");
    List<Verdict> verdicts = new ArrayList<>();
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
          verdicts.add(validate(label + ":" + path, text, scratch));
        }
      }
    }
    print(verdicts, System.out);
  }

  static void print(List<Verdict> verdicts, PrintStream out) {
    for (Verdict v : verdicts) {
      out.printf(
          "  %-70s %s%n",
          v.source(),
          v.accepted() ? "accepted" : v.stackTrace() != null ? "STACK TRACE" : v.reason());
    }
    long accepted = verdicts.stream().filter(Verdict::accepted).count();
    out.printf(
        "%nAccepted: %d of %d (%d %%)%n",
        accepted, verdicts.size(), verdicts.isEmpty() ? 0 : 100 * accepted / verdicts.size());
    Map<String, Integer> byReason = new TreeMap<>();
    for (Verdict v : verdicts) {
      if (!v.accepted() && v.stackTrace() == null) {
        byReason.merge(v.reason(), 1, Integer::sum);
      }
    }
    out.println("\nRefused, by first reason:");
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
