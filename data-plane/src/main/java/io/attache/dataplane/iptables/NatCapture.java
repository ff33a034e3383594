package io.attache.dataplane.iptables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs, removes or previews the capture rules of the current network namespace through {@code
 * iptables-save} / {@code iptables-restore --noflush}: one atomic transaction per change, in the
 * iptables variant that already holds the namespace's rules. Never touches a table other than nat,
 * nor rules outside Attaché's own chains and the jumps into them.
 */
public final class NatCapture {

  /** What was done, for the command's report. */
  public record Outcome(IptablesFlavor flavor, String transaction, List<String> rulesAfter) {}

  private final CommandRunner runner;

  public NatCapture(CommandRunner runner) {
    this.runner = runner;
  }

  /**
   * The variant to program: the one holding Attaché's chains, else the one holding more rules (the
   * one Docker, kube-proxy or the distribution uses), else nft.
   */
  public IptablesFlavor detect() throws IOException {
    List<IptablesFlavor> installed = IptablesFlavor.installed();
    if (installed.isEmpty()) {
      throw new IOException(
          "no iptables-restore found (install Debian's 'iptables' package, or pass the variant"
              + " with --iptables-mode)");
    }
    IptablesFlavor best = installed.get(0);
    int bestRules = -1;
    for (IptablesFlavor flavor : installed) {
      // Every table: kube-proxy and Docker write nat rules, a firewall only filter rules.
      CommandRunner.Result saved = runner.run(flavor.saveAllTables(), "");
      if (!saved.succeeded()) {
        continue;
      }
      if (!NatRules.presentChains(saved.stdout()).isEmpty()) {
        return flavor;
      }
      int rules = countRules(saved.stdout());
      if (rules > bestRules) {
        best = flavor;
        bestRules = rules;
      }
    }
    return best;
  }

  public Outcome install(CaptureSettings settings, IptablesFlavor flavor) throws IOException {
    return install(settings, flavor, true);
  }

  /** With {@code captureInbound} false, outbound only (TPROXY mode's nat part). */
  public Outcome install(CaptureSettings settings, IptablesFlavor flavor, boolean captureInbound)
      throws IOException {
    String transaction = NatRules.install(settings, currentRules(flavor), captureInbound);
    restore(flavor, transaction);
    return new Outcome(flavor, transaction, NatRules.ourRules(currentRules(flavor)));
  }

  /** Removes the capture from every installed variant, so a changed mode leaves nothing behind. */
  public List<Outcome> cleanup() throws IOException {
    List<Outcome> outcomes = new ArrayList<>();
    for (IptablesFlavor flavor : IptablesFlavor.installed()) {
      CommandRunner.Result saved = runner.run(flavor.save(), "");
      if (!saved.succeeded()) {
        continue;
      }
      String transaction = NatRules.cleanup(saved.stdout());
      if (!transaction.isEmpty()) {
        restore(flavor, transaction);
        outcomes.add(new Outcome(flavor, transaction, NatRules.ourRules(currentRules(flavor))));
      }
    }
    return outcomes;
  }

  /** The transaction an install would run; reads the current rules when it may, else none. */
  public String preview(CaptureSettings settings, IptablesFlavor flavor, boolean captureInbound) {
    String current;
    try {
      CommandRunner.Result saved = runner.run(flavor.save(), "");
      current = saved.succeeded() ? saved.stdout() : "";
    } catch (IOException notPermitted) {
      current = "";
    }
    return NatRules.install(settings, current, captureInbound);
  }

  private String currentRules(IptablesFlavor flavor) throws IOException {
    CommandRunner.Result saved = runner.run(flavor.save(), "");
    if (!saved.succeeded()) {
      throw new IOException(
          String.join(" ", flavor.save()) + " failed: " + firstLine(saved.stderr()));
    }
    return saved.stdout();
  }

  private void restore(IptablesFlavor flavor, String transaction) throws IOException {
    CommandRunner.Result restored = runner.run(flavor.restore(), transaction);
    if (!restored.succeeded()) {
      throw new IOException(
          String.join(" ", flavor.restore())
              + " refused the rules (exit "
              + restored.exitCode()
              + "): "
              + restored.stderr().strip());
    }
  }

  private static int countRules(String saved) {
    int rules = 0;
    for (String line : saved.split("\n")) {
      if (line.startsWith("-A ")) {
        rules++;
      }
    }
    return rules;
  }

  private static String firstLine(String text) {
    String stripped = text.strip();
    int newline = stripped.indexOf('\n');
    return newline < 0 ? stripped : stripped.substring(0, newline);
  }
}
