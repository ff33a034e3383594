package io.attache.dataplane.iptables;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Installs, removes or previews TPROXY inbound capture ({@link TproxyRules}) in the current network
 * namespace: the mangle table through {@code iptables-restore --noflush} (one transaction, in the
 * variant the nat rules use), then the policy route. Touches only the mangle table's Attaché chains
 * and the jumps into them, the one {@code ip rule} for its mark and table, and that table's local
 * route; never the nat table ({@link NatCapture}).
 */
public final class TproxyCapture {

  /** More rules than any run leaves: bounds the loop that deletes duplicates. */
  private static final int MAX_RULE_DELETIONS = 64;

  private final CommandRunner runner;

  public TproxyCapture(CommandRunner runner) {
    this.runner = runner;
  }

  /** Replaces any earlier TPROXY capture; returns Attaché's mangle rules and the routing after. */
  public List<String> install(CaptureSettings settings, IptablesFlavor flavor, long mark, int table)
      throws IOException {
    String transaction = TproxyRules.install(settings, mark, currentRules(flavor));
    restore(flavor, transaction);
    deleteRules(mark, table);
    run(TproxyRules.ruleAdd(mark, table));
    run(TproxyRules.routeReplace(table));
    List<String> after = new ArrayList<>(NatRules.ourRules(currentRules(flavor)));
    after.addAll(routing(mark, table));
    return after;
  }

  /**
   * Removes the mangle chains from every installed variant and the policy routing for {@code
   * mark}/{@code table}; true when there was anything to remove.
   */
  public boolean cleanup(long mark, int table) throws IOException {
    boolean removed = false;
    for (IptablesFlavor flavor : IptablesFlavor.installed()) {
      CommandRunner.Result saved = runner.run(flavor.save("mangle"), "");
      if (!saved.succeeded()) {
        continue;
      }
      String transaction = TproxyRules.cleanup(saved.stdout());
      if (!transaction.isEmpty()) {
        restore(flavor, transaction);
        removed = true;
      }
    }
    removed |= deleteRules(mark, table) > 0;
    removed |= runner.run(resolved(TproxyRules.routeDelete(table)), "").succeeded();
    return removed;
  }

  /** True when the mangle table holds Attaché's chains (an earlier {@code --mode tproxy} run). */
  public boolean present(IptablesFlavor flavor) throws IOException {
    CommandRunner.Result saved = runner.run(flavor.save("mangle"), "");
    return saved.succeeded() && !NatRules.presentChains(saved.stdout()).isEmpty();
  }

  /** What an install would run: the mangle transaction, then the {@code ip} commands. */
  public String preview(CaptureSettings settings, IptablesFlavor flavor, long mark, int table) {
    String current;
    try {
      CommandRunner.Result saved = runner.run(flavor.save("mangle"), "");
      current = saved.succeeded() ? saved.stdout() : "";
    } catch (IOException notPermitted) {
      current = "";
    }
    return TproxyRules.install(settings, mark, current)
        + "# then\n"
        + String.join(" ", TproxyRules.ruleAdd(mark, table))
        + "\n"
        + String.join(" ", TproxyRules.routeReplace(table))
        + "\n";
  }

  /** The policy rule and route as {@code ip} lists them now, for the report. */
  private List<String> routing(long mark, int table) throws IOException {
    List<String> lines = new ArrayList<>();
    String hex = TproxyRules.hexMark(mark);
    for (String rule : run(List.of("ip", "-4", "rule", "show")).split("\n")) {
      if (rule.contains("fwmark " + hex + " ") && rule.contains("lookup " + table)) {
        lines.add("ip rule: " + rule.strip());
      }
    }
    for (String route :
        run(List.of("ip", "-4", "route", "show", "table", Integer.toString(table))).split("\n")) {
      if (!route.isBlank()) {
        lines.add("ip route table " + table + ": " + route.strip());
      }
    }
    return lines;
  }

  /** Deletes every {@code fwmark mark lookup table} rule (a re-run adds exactly one back). */
  private int deleteRules(long mark, int table) throws IOException {
    int deleted = 0;
    while (deleted < MAX_RULE_DELETIONS
        && runner.run(resolved(TproxyRules.ruleDelete(mark, table)), "").succeeded()) {
      deleted++;
    }
    return deleted;
  }

  private String currentRules(IptablesFlavor flavor) throws IOException {
    CommandRunner.Result saved = runner.run(flavor.save("mangle"), "");
    if (!saved.succeeded()) {
      throw new IOException(
          String.join(" ", flavor.save("mangle")) + " failed: " + saved.stderr().strip());
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

  /** {@code ip} lives in sbin, often not on PATH: run it by its full path. */
  private static List<String> resolved(List<String> command) {
    List<String> full = new ArrayList<>(command);
    full.set(0, IptablesFlavor.locate(command.get(0)).map(Object::toString).orElse(command.get(0)));
    return full;
  }

  private String run(List<String> command) throws IOException {
    CommandRunner.Result result = runner.run(resolved(command), "");
    if (!result.succeeded()) {
      throw new IOException(
          String.join(" ", command)
              + " failed (exit "
              + result.exitCode()
              + "): "
              + result.stderr().strip());
    }
    return result.stdout();
  }
}
