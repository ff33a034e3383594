package io.attache.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;

/**
 * Inbound capture in TPROXY mode, as Istio's {@code istio-iptables -m TPROXY} lays it out: mangle
 * rules that mark packets of connections a local socket already owns ({@code -m socket}, divert)
 * and hand new inbound TCP to the inbound listener with {@code TPROXY --on-port} and the mark, plus
 * the policy routing that delivers marked packets locally ({@code ip rule fwmark MARK lookup
 * TABLE}, {@code ip route local 0.0.0.0/0 dev lo table TABLE}). The packet's destination is never
 * rewritten, so the listener ({@code transparent: true}) sees the original destination as its local
 * address. Like {@link NatRules}, one restore transaction replaces an earlier set. Pure: never runs
 * a command.
 */
public final class TproxyRules {

  public static final String DIVERT_CHAIN = "ATTACHE_DIVERT";
  public static final String INBOUND_CHAIN = "ATTACHE_INBOUND";
  public static final String TPROXY_CHAIN = "ATTACHE_TPROXY";

  /** Every mangle chain Attaché owns, in the order they are declared. */
  public static final List<String> CHAINS = List.of(DIVERT_CHAIN, INBOUND_CHAIN, TPROXY_CHAIN);

  /** Istio's defaults: mark 1337, route table 133. */
  public static final long DEFAULT_MARK = 1337;

  public static final int DEFAULT_ROUTE_TABLE = 133;

  private TproxyRules() {}

  /** The mangle-table restore input that replaces any earlier TPROXY capture with this one. */
  public static String install(CaptureSettings settings, long mark, String currentMangleRules) {
    String tproxyMark = hexMark(mark) + "/0xffffffff";
    List<String> lines = new ArrayList<>();
    lines.add("*mangle");
    for (String chain : CHAINS) {
      lines.add(":" + chain + " - [0:0]");
    }
    lines.addAll(NatRules.jumpDeletions(currentMangleRules));
    lines.add("-A " + DIVERT_CHAIN + " -j MARK --set-xmark " + tproxyMark);
    lines.add("-A " + DIVERT_CHAIN + " -j ACCEPT");
    lines.add("-A " + INBOUND_CHAIN + " -i lo -j RETURN");
    for (int port : settings.excludeInboundPorts()) {
      lines.add("-A " + INBOUND_CHAIN + " -p tcp -m tcp --dport " + port + " -j RETURN");
    }
    // A packet of a connection some socket already owns goes to that socket, not to TPROXY again.
    lines.add("-A " + INBOUND_CHAIN + " -p tcp -m socket -j " + DIVERT_CHAIN);
    lines.add("-A " + INBOUND_CHAIN + " -p tcp -j " + TPROXY_CHAIN);
    lines.add(
        "-A "
            + TPROXY_CHAIN
            + " ! -d 127.0.0.1/32 -p tcp -j TPROXY --on-port "
            + settings.inboundPort()
            + " --on-ip 0.0.0.0 --tproxy-mark "
            + tproxyMark);
    lines.add("-A PREROUTING -p tcp -j " + INBOUND_CHAIN);
    lines.add("COMMIT");
    return String.join("\n", lines) + "\n";
  }

  /** The restore input that removes every Attaché chain and jump from the mangle table. */
  public static String cleanup(String currentMangleRules) {
    return NatRules.cleanup("mangle", currentMangleRules);
  }

  /** {@code ip} arguments that add the rule sending marked packets to {@code routeTable}. */
  public static List<String> ruleAdd(long mark, int routeTable) {
    return List.of(
        "ip", "-4", "rule", "add", "fwmark", Long.toString(mark), "lookup", table(routeTable));
  }

  /** {@code ip} arguments that delete one such rule (fails once none is left). */
  public static List<String> ruleDelete(long mark, int routeTable) {
    return List.of(
        "ip", "-4", "rule", "del", "fwmark", Long.toString(mark), "lookup", table(routeTable));
  }

  /** {@code ip} arguments that make every address local in {@code routeTable}; idempotent. */
  public static List<String> routeReplace(int routeTable) {
    return List.of(
        "ip",
        "-4",
        "route",
        "replace",
        "local",
        "0.0.0.0/0",
        "dev",
        "lo",
        "table",
        table(routeTable));
  }

  /** {@code ip} arguments that delete that route (fails when it is not there). */
  public static List<String> routeDelete(int routeTable) {
    return List.of(
        "ip", "-4", "route", "del", "local", "0.0.0.0/0", "dev", "lo", "table", table(routeTable));
  }

  /** The mark as iptables-save prints it, so the dry run reads like the saved rules. */
  static String hexMark(long mark) {
    return "0x" + Long.toHexString(mark);
  }

  /** A mark fits the packet's 32-bit mark field and is not 0 (which marks nothing). */
  public static void requireMark(long mark) {
    if (mark < 1 || mark > 0xFFFFFFFFL) {
      throw new IllegalArgumentException(
          "--tproxy-mark: " + mark + " is not a packet mark in [1, 4294967295]");
    }
  }

  /** A table of one's own: not 0 or the kernel's default (253), main (254) or local (255). */
  public static void requireRouteTable(int routeTable) {
    if (routeTable < 1 || routeTable >= 253 && routeTable <= 255) {
      throw new IllegalArgumentException(
          "--tproxy-route-table: "
              + routeTable
              + " is not a table of its own (1-252 or above 255; 253-255 are the kernel's)");
    }
  }

  private static String table(int routeTable) {
    return Integer.toString(routeTable);
  }
}
