package io.attache.controlplane.ctl;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * What every {@code ./attache} subcommand shares: the parent's options, the output streams and
 * argument helpers. It never talks to the store, only through {@link AdminClient}.
 */
abstract class Subcommand implements Callable<Integer> {
  @CommandLine.ParentCommand AttacheCli parent;
  @Spec CommandSpec spec;

  PrintWriter out() {
    return spec.commandLine().getOut();
  }

  AdminClient client() throws IOException {
    return parent.client();
  }

  /** {@code -o VALUE} checked against the formats a subcommand prints. */
  static String outputFormat(String value, String... allowed) {
    for (String a : allowed) {
      if (a.equals(value)) {
        return value;
      }
    }
    throw new CommandLine.ParameterException(
        new CommandLine(new AttacheCli()),
        "-o must be one of " + String.join(", ", allowed) + ", not '" + value + "'");
  }

  static String urlEncode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
