package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;

/** {@code ./attache revisions}: Every revision, newest first. It only calls the REST admin API. */
@Command(
    name = "revisions",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Every revision, newest first.")
final class RevisionsCommand extends Subcommand {
  @Override
  public Integer call() throws Exception {
    Table table = new Table("REVISION", "CREATED", "SUMMARY");
    for (JsonNode revision :
        client().get("/api/v1/revisions", "application/json").json().path("items")) {
      table.row(
          revision.path("revision").asText(),
          revision.path("created_at").asText(),
          revision.path("summary").asText());
    }
    table.print(out());
    return 0;
  }
}
