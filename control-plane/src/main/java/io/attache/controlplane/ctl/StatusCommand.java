package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code ./attache status}: Every connected proxy: its sync verdict per type and the revision it
 * runs. It only calls the REST admin API.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Every connected proxy: its sync verdict per type and the revision it runs.")
final class StatusCommand extends Subcommand {
  @Override
  public Integer call() throws Exception {
    JsonNode status = client().get("/api/v1/status", "application/json").json();
    Table table =
        new Table(
            "NAME", "CLUSTER", "VERSION", "REVISION", "STATUS", "CDS", "LDS", "EDS", "RDS", "SDS");
    List<String> nacks = new ArrayList<>();
    for (JsonNode proxy : status.path("items")) {
      JsonNode types = proxy.path("types");
      table.row(
          proxy.path("node_id").asText(),
          proxy.path("cluster").asText(),
          proxy.path("user_agent").asText() + " " + proxy.path("version").asText(),
          proxy.path("revision").isNull() ? "?" : proxy.path("revision").asText(),
          proxy.path("verdict").asText(),
          verdict(types, "Cluster"),
          verdict(types, "Listener"),
          verdict(types, "ClusterLoadAssignment"),
          verdict(types, "RouteConfiguration"),
          verdict(types, "Secret"));
      types
          .fields()
          .forEachRemaining(
              t -> {
                if (t.getValue().has("error")) {
                  nacks.add(
                      proxy.path("node_id").asText()
                          + " "
                          + t.getKey()
                          + ": "
                          + t.getValue().path("error").asText());
                }
              });
    }
    table.print(out());
    out().println(status.path("summary").path("text").asText());
    nacks.forEach(n -> out().println("NACK " + n));
    return 0;
  }

  private static String verdict(JsonNode types, String type) {
    return types.has(type) ? types.path(type).path("verdict").asText() : "-";
  }
}
