package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ./attache rollback}: Make the policy what it was at a revision (itself a new revision). It
 * only calls the REST admin API.
 */
@Command(
    name = "rollback",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Make the policy what it was at a revision (itself a new revision).")
final class RollbackCommand extends Subcommand {
  @Parameters(index = "0", description = "The revision to return to.")
  long revision;

  @Override
  public Integer call() throws Exception {
    JsonNode result =
        client().post("/api/v1/revisions/" + revision + "/rollback", "", "application/json").json();
    out()
        .printf(
            "revision %d: rolled back to revision %d%n",
            result.path("revision").asLong(), revision);
    return 0;
  }
}
