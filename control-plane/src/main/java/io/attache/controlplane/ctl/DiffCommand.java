package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache diff}: Show how applying the documents would change the policy (a dry run). It
 * only calls the REST admin API.
 */
@Command(
    name = "diff",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Show how applying the documents would change the policy (a dry run).")
final class DiffCommand extends Subcommand {
  @Option(
      names = {"-f", "--filename"},
      required = true,
      description = "FILE, DIR or - (stdin).")
  String source;

  @Option(names = "--prune", description = "Include the deletions --prune would make.")
  boolean prune;

  @Override
  public Integer call() throws Exception {
    JsonNode result = PolicySources.send(client(), PolicySources.read(source), true, prune);
    out().print(result.path("diff").asText());
    out()
        .printf(
            "%s (against revision %d)%n",
            result.path("summary").asText(), result.path("revision").asLong());
    return 0;
  }
}
