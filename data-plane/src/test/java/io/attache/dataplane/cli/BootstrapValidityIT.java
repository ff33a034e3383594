package io.attache.dataplane.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * Config validity agrees with Envoy: every bootstrap the repository ships or tests with — files
 * under {@code deploy/} and the modules' test resources, the ones embedded in Kubernetes
 * ConfigMaps, and the {@code yaml} blocks of {@code docs/} that are whole bootstraps — goes through
 * {@code envoy --mode validate} and {@code attache proxy --mode validate}. They must agree, or
 * Attaché's refusal must name a field {@code docs/xds-support.md} lists as rejected. Reads the
 * files only; never changes one.
 */
@ExtendWith(StockEnvoyExtension.class)
class BootstrapValidityIT {

  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{([A-Z_]+)}");
  private static final Pattern YAML_BLOCK = Pattern.compile("(?s)```yaml\\n(.*?)```");
  private static final Set<String> BOOTSTRAP_KEYS =
      Set.of("node", "static_resources", "dynamic_resources", "admin");

  @TempDir Path dir;

  /**
   * One bootstrap, where it came from, and the command-line flags its deployment adds (the
   * Kubernetes sidecar passes {@code --service-node}; both proxies take the flag).
   */
  record Candidate(String source, String text, List<String> flags) {
    Candidate(String source, String text) {
      this(source, text, List.of());
    }
  }

  /** Both verdicts on one bootstrap. */
  record Verdicts(Candidate candidate, Envoy.Validation envoy, int attacheExit, String attache) {
    boolean agree() {
      return envoy.valid() == (attacheExit == 0);
    }
  }

  @Test
  void envoyAndAttacheAgreeOnEveryShippedBootstrap(Envoy envoy) throws Exception {
    List<Candidate> candidates = candidates();
    String supportDoc = Files.readString(ROOT.resolve("docs/xds-support.md"));
    List<Verdicts> all = new ArrayList<>();
    for (int i = 0; i < candidates.size(); i++) {
      Candidate c = candidates.get(i);
      String name = "bootstrap-" + i;
      all.add(
          verdicts(c, envoy.validate(name, c.text(), dir, c.flags().toArray(String[]::new)), name));
    }

    List<String> disagreements = new ArrayList<>();
    System.out.printf(
        "Bootstrap validity, %s vs attache proxy --mode validate:%n", envoy.describe());
    for (Verdicts v : all) {
      String line =
          String.format(
              "  %-62s envoy: %s%n  %-62s attache: %s",
              v.candidate().source(),
              v.envoy().valid() ? "valid" : "INVALID (" + v.envoy().reason() + ")",
              "",
              v.attacheExit() == 0 ? "valid" : "INVALID (" + v.attache().strip() + ")");
      System.out.println(line);
      if (!v.agree() && !refusesADocumentedUnsupportedField(v, supportDoc)) {
        disagreements.add(
            line
                + "\n    envoy said: "
                + v.envoy().reason()
                + "\n    attache said: "
                + v.attache());
      }
    }

    assertThat(all).as("bootstraps found").hasSizeGreaterThanOrEqualTo(10);
    assertThat(disagreements).as(String.join("\n", disagreements)).isEmpty();
  }

  @Test
  void aRefusalThatNamesADocumentedUnsupportedFieldIsNotADisagreement(Envoy envoy)
      throws Exception {
    String bootstrap =
        """
        static_resources:
          listeners:
          - name: upgrades
            address: { socket_address: { address: 127.0.0.1, port_value: 10000 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: upgrades
                  upgrade_configs:
                  - upgrade_type: websocket
                    filters:
                    - name: envoy.filters.http.router
                      typed_config:
                        "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
                  route_config:
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        direct_response: { status: 200 }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
    Candidate c = new Candidate("upgrade_configs[0].filters", bootstrap);
    String supportDoc = Files.readString(ROOT.resolve("docs/xds-support.md"));

    Verdicts v = verdicts(c, envoy.validate("upgrades", bootstrap, dir), "upgrades");

    assertThat(v.envoy().valid()).as(v.envoy().output()).isTrue();
    assertThat(v.attacheExit()).as(v.attache()).isEqualTo(1);
    assertThat(v.attache()).contains("upgrade_configs[0].filters: not supported");
    assertThat(refusesADocumentedUnsupportedField(v, supportDoc)).isTrue();
    assertThat(
            refusesADocumentedUnsupportedField(
                new Verdicts(c, v.envoy(), 1, "invalid config: node.id: is required"), supportDoc))
        .as("a refusal that names no documented unsupported field is a disagreement")
        .isFalse();
  }

  /**
   * Attaché refused what Envoy accepts, and the refusal names a field listed as rejected in
   * docs/xds-support.md — an honest "not supported", not a disagreement about validity.
   */
  static boolean refusesADocumentedUnsupportedField(Verdicts v, String supportDoc) {
    if (!v.envoy().valid() || v.attacheExit() == 0) {
      return false;
    }
    Matcher m =
        Pattern.compile("invalid config: ([\\w.\\[\\]\"-]+): not supported").matcher(v.attache());
    if (!m.find()) {
      return false;
    }
    String path = m.group(1);
    String leaf = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[.*", "");
    return supportDoc.contains("| `" + leaf + "` | rejected |");
  }

  private Verdicts verdicts(Candidate c, Envoy.Validation envoy, String name) throws IOException {
    Path file = dir.resolve(name + "-attache.yaml");
    Files.writeString(file, c.text());
    StringWriter out = new StringWriter();
    List<String> args = new ArrayList<>(List.of("--mode", "validate", "-c", file.toString()));
    args.addAll(c.flags());
    int exit =
        new CommandLine(new ProxyMain())
            .setOut(new PrintWriter(out, true))
            .setErr(new PrintWriter(out, true))
            .execute(args.toArray(String[]::new));
    return new Verdicts(c, envoy, exit, out.toString());
  }

  /** Every bootstrap under deploy/, docs/ and the modules' test resources. */
  static List<Candidate> candidates() throws IOException {
    List<Candidate> out = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    try (Stream<Path> deploy = Files.walk(ROOT.resolve("deploy"));
        Stream<Path> docs = Files.walk(ROOT.resolve("docs"));
        Stream<Path> modules = Files.list(ROOT)) {
      deploy.forEach(files::add);
      docs.forEach(files::add);
      for (Path module : modules.toList()) {
        Path resources = module.resolve("src/test/resources");
        if (Files.isDirectory(resources)) {
          try (Stream<Path> r = Files.walk(resources)) {
            r.forEach(files::add);
          }
        }
      }
    }
    for (Path file : files.stream().filter(Files::isRegularFile).sorted().toList()) {
      String name = file.getFileName().toString();
      if (!name.matches(".*\\.(md|yaml|yml|json)")) {
        continue; // images, scripts, certificates: no bootstrap there
      }
      String source = ROOT.relativize(file).toString();
      String text = Files.readString(file);
      if (name.endsWith(".md")) {
        Matcher block = YAML_BLOCK.matcher(text);
        for (int n = 1; block.find(); n++) {
          if (isBootstrap(loadAll(block.group(1)))) {
            out.add(new Candidate(source + " (yaml block " + n + ")", fill(block.group(1))));
          }
        }
      } else {
        List<Object> documents = loadAll(fill(text));
        if (documents.size() == 1 && isBootstrap(documents)) {
          out.add(new Candidate(source, fill(text)));
        }
        for (Object doc : documents) {
          if (doc instanceof Map<?, ?> map
              && "ConfigMap".equals(map.get("kind"))
              && map.get("data") instanceof Map<?, ?> data) {
            for (Map.Entry<?, ?> entry : data.entrySet()) {
              if (entry.getValue() instanceof String value && isBootstrap(loadAll(value))) {
                out.add(
                    new Candidate(
                        source + " (ConfigMap data " + entry.getKey() + ")",
                        fill(value),
                        text.contains("\"--service-node\"")
                            ? List.of("--service-node", "validity-check")
                            : List.of()));
              }
            }
          }
        }
      }
    }
    return out;
  }

  private static boolean isBootstrap(List<Object> documents) {
    return documents.size() == 1
        && documents.get(0) instanceof Map<?, ?> map
        && !map.containsKey("kind")
        && !map.containsKey("services")
        && map.keySet().stream().anyMatch(k -> k instanceof String s && BOOTSTRAP_KEYS.contains(s));
  }

  private static List<Object> loadAll(String text) {
    List<Object> out = new ArrayList<>();
    try {
      new Yaml(new LoaderOptions()).loadAll(text).forEach(out::add);
    } catch (RuntimeException notYaml) {
      return List.of();
    }
    return out;
  }

  /** Test templates carry {@code ${NAME}} placeholders: ports get a port, the rest a name. */
  static String fill(String template) {
    return PLACEHOLDER
        .matcher(template)
        .replaceAll(m -> m.group(1).endsWith("PORT") ? "10000" : "validity-check");
  }
}
