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
 * {@code attache iptables}: installs ({@code --dry-run} prints, {@code --cleanup} removes) the
 * rules that send a network namespace's TCP through its sidecar — Istio's {@code istio-iptables}
 * with Istio's defaults: nat REDIRECT both ways, or with {@code --mode tproxy} inbound through
 * mangle TPROXY and policy routing ({@link TproxyRules}). Runs in the namespace it programs (an
 * init container, {@code ip netns exec}); exits 0 done, 1 refused by iptables or no permission, 2
 * bad arguments.
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
      "--mode tproxy captures inbound TCP with the mangle table's TPROXY instead (chains"
          + " ATTACHE_DIVERT, ATTACHE_INBOUND, ATTACHE_TPROXY; ip rule fwmark --tproxy-mark lookup"
          + " --tproxy-route-table, a local default route in that table), so the inbound listener"
          + " (transparent: true) sees the original destination unchanged; outbound stays nat"
          + " REDIRECT, as in Istio.",
    })
public final class IptablesMain implements Callable<Integer> {

  @Option(
      names = "--mode",
      defaultValue = "redirect",
      description = "Inbound interception: redirect (nat) or tproxy (mangle; ${DEFAULT-VALUE}).")
  String mode;

  @Option(
      names = "--tproxy-mark",
      defaultValue = "1337",
      description = "--mode tproxy: the packet mark of intercepted inbound TCP (${DEFAULT-VALUE}).")
  long tproxyMark;

  @Option(
      names = "--tproxy-route-table",
      defaultValue = "133",
      description =
          "--mode tproxy: the route table marked packets are looked up in (${DEFAULT-VALUE}).")
  int tproxyRouteTable;

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
    boolean tproxy;
    try {
      settings = settings();
      tproxy = tproxyMode();
    } catch (IllegalArgumentException e) {
      err.println("attache iptables: " + e.getMessage());
      return 2;
    }
    CommandRunner runner = new CommandRunner(Duration.ofSeconds(30));
    NatCapture capture = new NatCapture(runner);
    TproxyCapture tproxyCapture = new TproxyCapture(runner);
    try {
      if (cleanup) {
        // Both modes' rules, so a namespace switched between modes is left with neither.
        List<NatCapture.Outcome> removed = capture.cleanup();
        boolean removedTproxy = tproxyCapture.cleanup(tproxyMark, tproxyRouteTable);
        if (removed.isEmpty() && !removedTproxy) {
          out.println("attache iptables: no Attaché rules to remove");
        }
        for (NatCapture.Outcome outcome : removed) {
          out.println(
              "attache iptables: removed Attaché's rules (iptables " + outcome.flavor() + ")");
        }
        if (removedTproxy) {
          out.println(
              "attache iptables: removed Attaché's TPROXY rules and policy routing (mark "
                  + tproxyMark
                  + ", table "
                  + tproxyRouteTable
                  + ")");
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
        out.print(capture.preview(settings, flavor, !tproxy));
        if (tproxy) {
          out.print(tproxyCapture.preview(settings, flavor, tproxyMark, tproxyRouteTable));
        }
        return 0;
      }
      NatCapture.Outcome outcome = capture.install(settings, flavor, !tproxy);
      List<String> tproxyRules = List.of();
      if (tproxy) {
        tproxyRules = tproxyCapture.install(settings, flavor, tproxyMark, tproxyRouteTable);
      } else if (tproxyCapture.present(flavor)) {
        // Switched from --mode tproxy: its mangle capture would still take inbound TCP first.
        tproxyCapture.cleanup(tproxyMark, tproxyRouteTable);
      }
      out.println(
          "attache iptables: capturing outbound TCP to :"
              + settings.outboundPort()
              + " and inbound TCP to :"
              + settings.inboundPort()
              + (tproxy
                  ? " by TPROXY (mark " + tproxyMark + ", table " + tproxyRouteTable + ")"
                  : "")
              + " (iptables "
              + outcome.flavor()
              + ", proxy uid "
              + settings.proxyUid()
              + ")");
      outcome.rulesAfter().forEach(rule -> out.println("  " + rule));
      tproxyRules.forEach(rule -> out.println("  " + rule));
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

  /** True for {@code --mode tproxy}; checks the mark and table then. */
  boolean tproxyMode() {
    boolean tproxy =
        switch (mode.toLowerCase(java.util.Locale.ROOT)) {
          case "redirect" -> false;
          case "tproxy" -> true;
          default ->
              throw new IllegalArgumentException(
                  "--mode must be redirect or tproxy, not '" + mode + "'");
        };
    if (tproxy) {
      TproxyRules.requireMark(tproxyMark);
      TproxyRules.requireRouteTable(tproxyRouteTable);
    }
    return tproxy;
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
