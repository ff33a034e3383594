package io.attache.dataplane.iptables;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code attache iptables}: installs ({@code --dry-run} prints, {@code --cleanup} removes) the nat
 * rules that send a network namespace's TCP through its sidecar — Istio's {@code istio-iptables}
 * with Istio's defaults. Runs in the namespace it programs (an init container, {@code ip netns
 * exec}); exits 0 done, 1 refused by iptables or no permission, 2 bad arguments.
 */
@Command(
    name = "attache iptables",
    mixinStandardHelpOptions = true,
    versionProvider = IptablesMain.Version.class,
    sortOptions = false,
    description = {
      "Redirects this network namespace's TCP to the sidecar: outbound to --outbound-port,"
          + " inbound to --inbound-port. The proxy's own traffic (--proxy-uid), loopback, the"
          + " proxy's admin port (inbound) and the control plane's xDS port (outbound) are never"
          + " captured. Rules live in the nat chains ATTACHE_OUTPUT, ATTACHE_REDIRECT,"
          + " ATTACHE_INBOUND and ATTACHE_IN_REDIRECT; running it again replaces them.",
    })
public final class IptablesMain implements Callable<Integer> {

  @Option(
      names = "--outbound-port",
      defaultValue = "15001",
      description = "Where outbound TCP goes (the virtual outbound listener; ${DEFAULT-VALUE}).")
  int outboundPort;

  @Option(
      names = "--inbound-port",
      defaultValue = "15006",
      description = "Where inbound TCP goes (the inbound capture listener; ${DEFAULT-VALUE}).")
  int inboundPort;

  @Option(
      names = "--proxy-uid",
      defaultValue = "1337",
      description =
          "The uid the proxy runs as; its connections are never captured (${DEFAULT-VALUE}).")
  long proxyUid;

  @Option(
      names = "--proxy-gid",
      description = "Also exempt connections of this gid (as Istio's --proxy-gid).")
  Long proxyGid;

  @Option(
      names = "--exclude-outbound-ports",
      split = ",",
      description = "Destination ports never captured outbound, comma-separated.")
  List<Integer> excludeOutboundPorts = new ArrayList<>();

  @Option(
      names = "--exclude-inbound-ports",
      split = ",",
      description = "Local ports never captured inbound, comma-separated (e.g. 22).")
  List<Integer> excludeInboundPorts = new ArrayList<>();

  @Option(
      names = "--exclude-cidrs",
      split = ",",
      description = "Destination IPv4 CIDRs never captured outbound, comma-separated.")
  List<String> excludeCidrs = new ArrayList<>();

  @Option(
      names = "--admin-port",
      defaultValue = "15000",
      description = "The proxy's admin port, never captured inbound (${DEFAULT-VALUE}).")
  int adminPort;

  @Option(
      names = "--xds-port",
      defaultValue = "18000",
      description = "The control plane's xDS port, never captured outbound (${DEFAULT-VALUE}).")
  int xdsPort;

  @Option(
      names = "--iptables-mode",
      defaultValue = "auto",
      description =
          "auto (the variant that already holds rules, as Istio detects it), nft or legacy.")
  String iptablesMode;

  @Option(names = "--dry-run", description = "Print the iptables-restore input; change nothing.")
  boolean dryRun;

  @Option(names = "--cleanup", description = "Remove Attaché's rules and chains, then exit.")
  boolean cleanup;

  private final PrintStream out;
  private final PrintStream err;

  public IptablesMain() {
    this(System.out, System.err);
  }

  IptablesMain(PrintStream out, PrintStream err) {
    this.out = out;
    this.err = err;
  }

  public static void main(String[] args) {
    System.exit(run(args));
  }

  public static int run(String... args) {
    return new CommandLine(new IptablesMain()).execute(args);
  }

  @Override
  public Integer call() {
    if (dryRun && cleanup) {
      err.println("attache iptables: --dry-run and --cleanup exclude each other");
      return 2;
    }
    CaptureSettings settings;
    try {
      settings = settings();
    } catch (IllegalArgumentException e) {
      err.println("attache iptables: " + e.getMessage());
      return 2;
    }
    NatCapture capture = new NatCapture(new CommandRunner(Duration.ofSeconds(30)));
    try {
      if (cleanup) {
        List<NatCapture.Outcome> removed = capture.cleanup();
        if (removed.isEmpty()) {
          out.println("attache iptables: no Attaché rules to remove");
        }
        for (NatCapture.Outcome outcome : removed) {
          out.println(
              "attache iptables: removed Attaché's rules (iptables " + outcome.flavor() + ")");
        }
        return 0;
      }
      IptablesFlavor flavor = flavor(capture);
      if (dryRun) {
        out.println(
            "# attache iptables --dry-run: iptables "
                + flavor
                + ", input of "
                + String.join(" ", flavor.restore()));
        out.print(capture.preview(settings, flavor));
        return 0;
      }
      NatCapture.Outcome outcome = capture.install(settings, flavor);
      out.println(
          "attache iptables: capturing outbound TCP to :"
              + settings.outboundPort()
              + " and inbound TCP to :"
              + settings.inboundPort()
              + " (iptables "
              + outcome.flavor()
              + ", proxy uid "
              + settings.proxyUid()
              + ")");
      outcome.rulesAfter().forEach(rule -> out.println("  " + rule));
      return 0;
    } catch (IOException e) {
      err.println("attache iptables: " + e.getMessage());
      return 1;
    }
  }

  private IptablesFlavor flavor(NatCapture capture) throws IOException {
    if (iptablesMode.equalsIgnoreCase("auto")) {
      return capture.detect();
    }
    return IptablesFlavor.named(iptablesMode)
        .orElseThrow(
            () ->
                new IllegalArgumentException(
                    "--iptables-mode must be auto, nft or legacy, not '" + iptablesMode + "'"));
  }

  CaptureSettings settings() {
    Set<Integer> outbound = new LinkedHashSet<>(excludeOutboundPorts);
    outbound.add(xdsPort);
    Set<Integer> inbound = new LinkedHashSet<>(excludeInboundPorts);
    inbound.add(adminPort);
    if (!IptablesFlavor.named(iptablesMode).isPresent() && !iptablesMode.equalsIgnoreCase("auto")) {
      throw new IllegalArgumentException(
          "--iptables-mode must be auto, nft or legacy, not '" + iptablesMode + "'");
    }
    return new CaptureSettings(
        outboundPort, inboundPort, proxyUid, proxyGid, outbound, inbound, excludeCidrs);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Attaché iptables " + io.attache.api.BuildVersion.get()};
    }
  }
}
