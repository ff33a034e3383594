package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./attache revision}: One revision: what it changed, and with --diff how. It only calls the
 * REST admin API.
 */
@Command(
    name = "revision",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "One revision: what it changed, and with --diff how.")
final class RevisionCommand extends Subcommand {
  @Parameters(index = "0", description = "The revision number.")
  long revision;

  @Option(names = "--diff", description = "Print the unified diff of the documents.")
  boolean diff;

  @Option(
      names = "--against",
      description = "Diff against this revision (default: the one before).")
  Long against;

  @Override
  public Integer call() throws Exception {
    AdminClient client = client();
    JsonNode info = client.get("/api/v1/revisions/" + revision, "application/json").json();
    out()
        .printf(
            "revision %d at %s: %s%n",
            revision, info.path("created_at").asText(), info.path("summary").asText());
    String path =
        "/api/v1/revisions/" + revision + "/diff" + (against == null ? "" : "?against=" + against);
    JsonNode changes = client.get(path, "application/json").json();
    for (JsonNode change : changes.path("changes")) {
      out()
          .printf(
              "  %s/%s %s%n",
              change.path("kind").asText().toLowerCase(Locale.ROOT),
              change.path("name").asText(),
              change.path("action").asText());
    }
    if (diff) {
      out().print(changes.path("diff").asText());
    }
    return 0;
  }
}
