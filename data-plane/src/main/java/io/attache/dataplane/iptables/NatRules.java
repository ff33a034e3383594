package io.attache.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The nat-table rules of one capture, as {@code iptables-restore --noflush} input, in Attaché's own
 * chains (Istio's layout under ATTACHE_ names): the built-in OUTPUT and PREROUTING chains only jump
 * to them. One transaction both removes whatever an earlier run left (the jumps found in the
 * current rules, the chains by flushing) and installs the new set, so running it twice leaves one
 * set and a failure leaves the previous one. Pure: never runs a command.
 */
public final class NatRules {

  public static final String OUTPUT_CHAIN = "ATTACHE_OUTPUT";
  public static final String REDIRECT_CHAIN = "ATTACHE_REDIRECT";
  public static final String INBOUND_CHAIN = "ATTACHE_INBOUND";
  public static final String IN_REDIRECT_CHAIN = "ATTACHE_IN_REDIRECT";

  /** Every chain Attaché owns, in the order they are declared. */
  public static final List<String> CHAINS =
      List.of(INBOUND_CHAIN, IN_REDIRECT_CHAIN, OUTPUT_CHAIN, REDIRECT_CHAIN);

  /** A rule of a built-in chain that jumps into one of ours, as iptables-save prints it. */
  private static final Pattern OUR_JUMP =
      Pattern.compile("-A (PREROUTING|OUTPUT|INPUT|POSTROUTING) .*-j (ATTACHE_[A-Z_]+)\\s*");

  private NatRules() {}

  /** The restore input that replaces any earlier capture with this one (REDIRECT both ways). */
  public static String install(CaptureSettings settings, String currentNatRules) {
    return install(settings, currentNatRules, true);
  }

  /**
   * As {@link #install(CaptureSettings, String)}; with {@code captureInbound} false only outbound
   * TCP is redirected (TPROXY mode captures inbound in the mangle table, {@link TproxyRules}), and
   * the inbound chains an earlier REDIRECT run left are removed.
   */
  public static String install(
      CaptureSettings settings, String currentNatRules, boolean captureInbound) {
    List<String> inboundChains = List.of(INBOUND_CHAIN, IN_REDIRECT_CHAIN);
    List<String> leftover = new ArrayList<>(presentChains(currentNatRules));
    leftover.retainAll(inboundChains);
    List<String> lines = new ArrayList<>();
    lines.add("*nat");
    for (String chain : CHAINS) {
      if (captureInbound || !inboundChains.contains(chain) || leftover.contains(chain)) {
        lines.add(":" + chain + " - [0:0]");
      }
    }
    lines.addAll(jumpDeletions(currentNatRules));
    if (captureInbound) {
      lines.add(
          "-A " + IN_REDIRECT_CHAIN + " -p tcp -j REDIRECT --to-ports " + settings.inboundPort());
    } else {
      leftover.forEach(chain -> lines.add("-X " + chain));
    }
    lines.add("-A " + REDIRECT_CHAIN + " -p tcp -j REDIRECT --to-ports " + settings.outboundPort());
    if (captureInbound) {
      lines.add("-A " + INBOUND_CHAIN + " -i lo -j RETURN");
      for (int port : settings.excludeInboundPorts()) {
        lines.add("-A " + INBOUND_CHAIN + " -p tcp -m tcp --dport " + port + " -j RETURN");
      }
      lines.add("-A " + INBOUND_CHAIN + " -p tcp -j " + IN_REDIRECT_CHAIN);
    }
    // The proxy's own connections first: what it sends upstream must never come back to it.
    lines.add("-A " + OUTPUT_CHAIN + " -m owner --uid-owner " + settings.proxyUid() + " -j RETURN");
    if (settings.proxyGid() != null) {
      lines.add(
          "-A " + OUTPUT_CHAIN + " -m owner --gid-owner " + settings.proxyGid() + " -j RETURN");
    }
    lines.add("-A " + OUTPUT_CHAIN + " -o lo -j RETURN");
    lines.add("-A " + OUTPUT_CHAIN + " -d 127.0.0.0/8 -j RETURN");
    for (String cidr : settings.excludeCidrs()) {
      lines.add("-A " + OUTPUT_CHAIN + " -d " + cidr + " -j RETURN");
    }
    for (int port : settings.excludeOutboundPorts()) {
      lines.add("-A " + OUTPUT_CHAIN + " -p tcp -m tcp --dport " + port + " -j RETURN");
    }
    lines.add("-A " + OUTPUT_CHAIN + " -j " + REDIRECT_CHAIN);
    if (captureInbound) {
      lines.add("-A PREROUTING -p tcp -j " + INBOUND_CHAIN);
    }
    lines.add("-A OUTPUT -p tcp -j " + OUTPUT_CHAIN);
    lines.add("COMMIT");
    return String.join("\n", lines) + "\n";
  }

  /**
   * The restore input that removes every trace of a capture: the jumps into our chains, then the
   * chains themselves. Empty when {@code currentNatRules} holds none of them.
   */
  public static String cleanup(String currentNatRules) {
    return cleanup("nat", currentNatRules);
  }

  /** As {@link #cleanup(String)}, for one table's iptables-save output. */
  static String cleanup(String table, String currentRules) {
    List<String> deletions = jumpDeletions(currentRules);
    List<String> present = presentChains(currentRules);
    if (deletions.isEmpty() && present.isEmpty()) {
      return "";
    }
    List<String> lines = new ArrayList<>();
    lines.add("*" + table);
    lines.addAll(deletions);
    for (String chain : present) {
      lines.add(":" + chain + " - [0:0]");
    }
    for (String chain : present) {
      lines.add("-X " + chain);
    }
    lines.add("COMMIT");
    return String.join("\n", lines) + "\n";
  }

  /** Our chains that exist in {@code currentNatRules} (iptables-save output of the nat table). */
  public static List<String> presentChains(String currentNatRules) {
    List<String> present = new ArrayList<>();
    for (String line : currentNatRules.split("\n")) {
      if (line.startsWith(":ATTACHE_")) {
        present.add(line.substring(1, line.indexOf(' ')));
      }
    }
    return present;
  }

  /** The rules of our own chains and the jumps into them, as iptables-save printed them. */
  public static List<String> ourRules(String currentNatRules) {
    List<String> rules = new ArrayList<>();
    for (String line : currentNatRules.split("\n")) {
      if (line.startsWith("-A ATTACHE_") || OUR_JUMP.matcher(line).matches()) {
        rules.add(line.strip());
      }
    }
    return rules;
  }

  /** Deletions of the built-in chains' jumps into ours, for a table's iptables-save output. */
  static List<String> jumpDeletions(String currentNatRules) {
    List<String> deletions = new ArrayList<>();
    for (String line : currentNatRules.split("\n")) {
      if (OUR_JUMP.matcher(line).matches()) {
        deletions.add("-D" + line.strip().substring(2));
      }
    }
    return deletions;
  }
}
