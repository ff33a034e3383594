package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The documents of {@code -f}: a file, every *.yaml/*.yml/*.json of a directory (sorted), or - for
 * stdin, kept as one YAML stream that remembers which file each line came from so a refusal can
 * name it. It never parses the documents: the server does.
 */
final class PolicySources {
  final String text;
  final boolean json;
  private final List<String[]> origins = new ArrayList<>(); // {file, firstLine}

  private PolicySources(String text, boolean json) {
    this.text = text;
    this.json = json;
  }

  static PolicySources read(String source) throws IOException {
    if (source.equals("-")) {
      String text = new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
      PolicySources sources =
          new PolicySources(
              text, text.stripLeading().startsWith("[") || text.stripLeading().startsWith("{"));
      sources.origins.add(new String[] {"<stdin>", "1"});
      return sources;
    }
    Path path = Path.of(source);
    if (!Files.exists(path)) {
      throw new IllegalArgumentException(source + ": no such file or directory");
    }
    if (!Files.isDirectory(path)) {
      PolicySources sources = new PolicySources(Files.readString(path), source.endsWith(".json"));
      sources.origins.add(new String[] {source, "1"});
      return sources;
    }
    List<Path> files;
    try (Stream<Path> listing = Files.list(path)) {
      files = listing.filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    }
    if (files.isEmpty()) {
      throw new IllegalArgumentException(source + ": no .yaml, .yml or .json files");
    }
    // JSON is YAML: one YAML stream with each file as its own document(s).
    StringBuilder text = new StringBuilder();
    PolicySources sources = new PolicySources("", false);
    int line = 1;
    for (Path file : files) {
      String content = Files.readString(file);
      if (!content.endsWith("\n")) {
        content += "\n";
      }
      if (text.length() > 0) {
        text.append("---\n");
        line++;
      }
      sources.origins.add(new String[] {file.toString(), Integer.toString(line)});
      text.append(content);
      line += (int) content.chars().filter(c -> c == '\n').count();
    }
    return new PolicySources(text.toString(), false).withOrigins(sources.origins);
  }

  private PolicySources withOrigins(List<String[]> list) {
    origins.addAll(list);
    return this;
  }

  String contentType() {
    return json ? "application/json" : "application/yaml";
  }

  /** "policy/shop.yaml:9" for line 9 of the combined stream. */
  String where(int line) {
    String[] found = origins.get(0);
    for (String[] origin : origins) {
      if (Integer.parseInt(origin[1]) <= line) {
        found = origin;
      }
    }
    return found[0] + ":" + (line - Integer.parseInt(found[1]) + 1);
  }

  static String applyPath(boolean dryRun, boolean prune) {
    return "/api/v1/apply?dry_run=" + dryRun + "&prune=" + prune;
  }

  /** Sends the documents; a refusal names the file and line the server pointed at. */
  static JsonNode send(AdminClient client, PolicySources sources, boolean dryRun, boolean prune)
      throws AdminClient.Refused {
    try {
      return client.post(applyPath(dryRun, prune), sources.text, sources.contentType()).json();
    } catch (AdminClient.Refused refused) {
      java.util.regex.Matcher line =
          java.util.regex.Pattern.compile("\\(line (\\d+)\\)").matcher(refused.getMessage());
      if (line.find()) {
        throw new AdminClient.Refused(
            line.replaceFirst("(" + sources.where(Integer.parseInt(line.group(1))) + ")"));
      }
      throw refused;
    }
  }
}
