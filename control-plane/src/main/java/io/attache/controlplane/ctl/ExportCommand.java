package io.attache.controlplane.ctl;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache export}: Print the whole policy as documents that re-apply to the same state. It
 * only calls the REST admin API.
 */
@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Print the whole policy as documents that re-apply to the same state.")
final class ExportCommand extends Subcommand {
  @Option(
      names = {"-o", "--output"},
      defaultValue = "yaml",
      description = "yaml or json.")
  String output;

  @Override
  public Integer call() throws Exception {
    String format = Subcommand.outputFormat(output, "yaml", "json");
    out().print(client().get("/api/v1/export?format=" + format, "*/*").body());
    out().flush();
    return 0;
  }
}
