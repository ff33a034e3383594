package io.attache.controlplane.ctl;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * {@code ./attache apply|diff|export|get|describe|status|revisions|revision|rollback}: the
 * operator's CLI, a client of the REST admin API and nothing else (it never opens the store). Exit
 * codes: 0 done, 1 refused by the server (or it could not be reached), 2 wrong usage.
 */
@Command(
    name = "attache",
    mixinStandardHelpOptions = true,
    versionProvider = AttacheCli.Version.class,
    description = "Manage an Attaché control plane through its REST admin API.",
    subcommands = {
      ApplyCommand.class,
      DiffCommand.class,
      ExportCommand.class,
      GetCommand.class,
      DescribeCommand.class,
      StatusCommand.class,
      RevisionsCommand.class,
      RevisionCommand.class,
      RollbackCommand.class
    })
public final class AttacheCli {

  static final String TOKEN_ENV = "ATTACHE_TOKEN";
  static final String SERVER_ENV = "ATTACHE_SERVER";

  @Option(
      names = "--server",
      scope = ScopeType.INHERIT,
      description =
          "Control plane REST URL (default: $" + SERVER_ENV + " or http://127.0.0.1:18080).")
  String server;

  @Option(
      names = "--token-file",
      scope = ScopeType.INHERIT,
      description = "File holding the bearer token (default: $" + TOKEN_ENV + ").")
  Path tokenFile;

  @Option(
      names = "--cacert",
      scope = ScopeType.INHERIT,
      description = "PEM CA certificate to trust for an https:// server.")
  Path caCertificate;

  /** The process environment; a test passes its own. */
  Map<String, String> environment = System.getenv();

  public static void main(String[] args) {
    System.exit(commandLine(new AttacheCli()).execute(args));
  }

  static CommandLine commandLine(AttacheCli cli) {
    CommandLine line = new CommandLine(cli);
    line.setExecutionExceptionHandler(
        (e, commandLine, parseResult) -> {
          if (e instanceof AdminClient.Refused || e instanceof IllegalArgumentException) {
            commandLine.getErr().println("error: " + e.getMessage());
            return 1;
          }
          throw e;
        });
    return line;
  }

  AdminClient client() throws IOException {
    String url =
        server != null ? server : environment.getOrDefault(SERVER_ENV, "http://127.0.0.1:18080");
    String token =
        tokenFile != null
            ? Files.readString(tokenFile).strip()
            : environment.getOrDefault(TOKEN_ENV, "").strip();
    return new AdminClient(url, token, caCertificate);
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"attache " + io.attache.api.BuildVersion.get()};
    }
  }
}
