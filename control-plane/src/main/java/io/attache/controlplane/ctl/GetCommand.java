package io.attache.controlplane.ctl;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code ./attache get}: List resources of a kind, or show one (-o yaml|json for documents). It
 * only calls the REST admin API.
 */
@Command(
    name = "get",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "List resources of a kind, or show one (-o yaml|json for documents).")
final class GetCommand extends Subcommand {
  @Parameters(
      index = "0",
      description =
          "services, routes, authorizations, defaults, clusters, endpoints, routeconfigurations, listeners")
  String kind;

  @Parameters(index = "1", arity = "0..1", description = "One resource's name.")
  String name;

  @Option(
      names = {"-o", "--output"},
      defaultValue = "table",
      description = "table, yaml or json.")
  String output;

  @Override
  public Integer call() throws Exception {
    ResourceKind k = ResourceKind.parse(kind);
    String format = Subcommand.outputFormat(output, "table", "yaml", "json");
    AdminClient client = client();
    if (!format.equals("table") || k == ResourceKind.DEFAULTS) {
      String query =
          "/api/v1/export?kind="
              + k.documentKind
              + (name == null ? "" : "&name=" + Subcommand.urlEncode(name));
      out()
          .print(
              client
                  .get(query + "&format=" + (format.equals("json") ? "json" : "yaml"), "*/*")
                  .body());
      out().flush();
      return 0;
    }
    JsonNode items =
        name == null
            ? client.get(k.path, "application/json").json().path("items")
            : AdminClient.JSON
                .createArrayNode()
                .add(
                    client
                        .get(k.path + "/" + Subcommand.urlEncode(name), "application/json")
                        .json());
    Table table = Tables.of(k);
    items.forEach(table::add);
    table.print(out());
    return 0;
  }
}
