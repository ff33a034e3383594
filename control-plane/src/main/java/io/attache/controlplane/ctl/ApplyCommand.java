package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache apply}: Apply policy documents as one revision (kubectl apply -f style). It only
 * calls the REST admin API.
 */
@Command(
    name = "apply",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Apply policy documents as one revision (kubectl apply -f style).")
final class ApplyCommand extends Subcommand {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      description = "FILE, DIR or - (stdin).")
  String source;

  @Option(names = "--dry-run", description = "Validate and show what would change; store nothing.")
  boolean dryRun;

  @Option(names = "--prune", description = "Delete stored resources the documents do not contain.")
  boolean prune;

  @Override
  public Integer call() throws Exception {
    JsonNode result = PolicySources.send(client(), PolicySources.read(source), dryRun, prune);
    for (JsonNode change : result.path("changes")) {
      out()
          .printf(
              "%s/%s %s%s%n",
              change.path("kind").asText().toLowerCase(Locale.ROOT),
              change.path("name").asText(),
              change.path("action").asText(),
              dryRun ? " (dry run)" : "");
    }
    if (result.path("committed").asBoolean()) {
      out()
          .printf(
              "revision %d: %s%n",
              result.path("revision").asLong(), result.path("summary").asText());
    } else if (dryRun) {
      out()
          .printf(
              "dry run against revision %d: %s%n",
              result.path("revision").asLong(), result.path("summary").asText());
    } else {
      out().printf("unchanged: revision %d is still current%n", result.path("revision").asLong());
    }
    return 0;
  }
}
