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

  /** The restore input that replaces any earlier capture with this one. */
  public static String install(CaptureSettings settings, String currentNatRules) {
    List<String> lines = new ArrayList<>();
    lines.add("*nat");
    for (String chain : CHAINS) {
      lines.add(":" + chain + " - [0:0]");
    }
    lines.addAll(jumpDeletions(currentNatRules));
    lines.add(
        "-A " + IN_REDIRECT_CHAIN + " -p tcp -j REDIRECT --to-ports " + settings.inboundPort());
    lines.add("-A " + REDIRECT_CHAIN + " -p tcp -j REDIRECT --to-ports " + settings.outboundPort());
    lines.add("-A " + INBOUND_CHAIN + " -i lo -j RETURN");
    for (int port : settings.excludeInboundPorts()) {
      lines.add("-A " + INBOUND_CHAIN + " -p tcp -m tcp --dport " + port + " -j RETURN");
    }
    lines.add("-A " + INBOUND_CHAIN + " -p tcp -j " + IN_REDIRECT_CHAIN);
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
    lines.add("-A PREROUTING -p tcp -j " + INBOUND_CHAIN);
    lines.add("-A OUTPUT -p tcp -j " + OUTPUT_CHAIN);
    lines.add("COMMIT");
    return String.join("\n", lines) + "\n";
  }

  /**
   * The restore input that removes every trace of a capture: the jumps into our chains, then the
   * chains themselves. Empty when {@code currentNatRules} holds none of them.
   */
  public static String cleanup(String currentNatRules) {
    List<String> deletions = jumpDeletions(currentNatRules);
    List<String> present = presentChains(currentNatRules);
    if (deletions.isEmpty() && present.isEmpty()) {
      return "";
    }
    List<String> lines = new ArrayList<>();
    lines.add("*nat");
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

  private static List<String> jumpDeletions(String currentNatRules) {
    List<String> deletions = new ArrayList<>();
    for (String line : currentNatRules.split("\n")) {
      if (OUR_JUMP.matcher(line).matches()) {
        deletions.add("-D" + line.strip().substring(2));
      }
    }
    return deletions;
  }
}
