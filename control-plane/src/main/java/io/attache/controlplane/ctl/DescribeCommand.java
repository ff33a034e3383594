package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code ./attache describe}: Show one resource, the revision that last wrote it, and the proxies
 * it reaches. It only calls the REST admin API.
 */
@Command(
    name = "describe",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Show one resource, the revision that last wrote it, and the proxies it reaches.")
final class DescribeCommand extends Subcommand {
  @Parameters(index = "0", description = "The kind, as for get.")
  String kind;

  @Parameters(index = "1", description = "The resource's name.")
  String name;

  @Override
  public Integer call() throws Exception {
    ResourceKind k = ResourceKind.parse(kind);
    AdminClient client = client();
    AdminClient.Answer resource =
        client.get(
            k == ResourceKind.DEFAULTS ? k.path : k.path + "/" + Subcommand.urlEncode(name),
            "application/json");
    long revision = Long.parseLong(resource.etag().isEmpty() ? "0" : resource.etag());
    out()
        .print(
            client
                .get(
                    "/api/v1/export?kind="
                        + k.documentKind
                        + "&name="
                        + Subcommand.urlEncode(name)
                        + "&format=yaml",
                    "*/*")
                .body());
    out().println();
    if (revision == 0) {
      out().println("Last written: never (the built-in defaults)");
    } else {
      JsonNode written = client.get("/api/v1/revisions/" + revision, "application/json").json();
      out()
          .printf(
              "Last written: revision %d at %s (%s)%n",
              revision, written.path("created_at").asText(), written.path("summary").asText());
    }
    JsonNode status = client.get("/api/v1/status", "application/json").json();
    if (k == ResourceKind.SERVICES) {
      List<String> proxies = new ArrayList<>();
      for (JsonNode proxy : status.path("items")) {
        if (proxy.path("cluster").asText().equals(name)) {
          proxies.add(
              proxy.path("node_id").asText()
                  + " "
                  + proxy.path("verdict").asText()
                  + " at revision "
                  + proxy.path("revision").asText("?"));
        }
      }
      out().println("Proxies of this service: " + (proxies.isEmpty() ? "none connected" : ""));
      proxies.forEach(p -> out().println("  " + p));
    }
    out().println("Mesh: " + status.path("summary").path("text").asText());
    return 0;
  }
}
