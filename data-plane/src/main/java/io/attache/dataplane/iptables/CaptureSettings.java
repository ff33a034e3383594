package io.attache.dataplane.iptables;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * What to capture in one network namespace, Istio's {@code istio-iptables} settings under Attaché's
 * names: outbound TCP goes to {@code outboundPort}, inbound TCP to {@code inboundPort}; the proxy's
 * own traffic (its uid, and its gid when given) is never captured, nor are loopback, the excluded
 * CIDRs and ports, the proxy's admin port (inbound) and the control plane's xDS port (outbound).
 * Validated on construction; immutable.
 */
public record CaptureSettings(
    int outboundPort,
    int inboundPort,
    long proxyUid,
    Long proxyGid,
    Set<Integer> excludeOutboundPorts,
    Set<Integer> excludeInboundPorts,
    List<String> excludeCidrs) {

  public static final int DEFAULT_OUTBOUND_PORT = 15001;
  public static final int DEFAULT_INBOUND_PORT = 15006;

  /** Istio's default proxy uid, so images built for Istio's conventions work unchanged. */
  public static final long DEFAULT_PROXY_UID = 1337;

  public static final int DEFAULT_ADMIN_PORT = 15000;
  public static final int DEFAULT_XDS_PORT = 18000;

  private static final Pattern IPV4_CIDR =
      Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})(/(\\d{1,2}))?");

  public CaptureSettings {
    requirePort("--outbound-port", outboundPort);
    requirePort("--inbound-port", inboundPort);
    if (outboundPort == inboundPort) {
      throw new IllegalArgumentException(
          "--outbound-port and --inbound-port must differ (both " + outboundPort + ")");
    }
    if (proxyUid < 0 || (proxyGid != null && proxyGid < 0)) {
      throw new IllegalArgumentException("--proxy-uid and --proxy-gid must not be negative");
    }
    excludeOutboundPorts = sortedPorts("--exclude-outbound-ports", excludeOutboundPorts);
    excludeInboundPorts = sortedPorts("--exclude-inbound-ports", excludeInboundPorts);
    List<String> cidrs = new ArrayList<>();
    for (String cidr : excludeCidrs) {
      cidrs.add(normalisedCidr(cidr));
    }
    excludeCidrs = List.copyOf(cidrs);
  }

  /** Istio's defaults: 15001 / 15006, uid 1337, admin 15000 and xDS 18000 excluded. */
  public static CaptureSettings defaults() {
    return new CaptureSettings(
        DEFAULT_OUTBOUND_PORT,
        DEFAULT_INBOUND_PORT,
        DEFAULT_PROXY_UID,
        null,
        Set.of(DEFAULT_XDS_PORT),
        Set.of(DEFAULT_ADMIN_PORT),
        List.of());
  }

  private static void requirePort(String flag, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException(flag + ": " + port + " is not a port in [1, 65535]");
    }
  }

  private static Set<Integer> sortedPorts(String flag, Set<Integer> ports) {
    Set<Integer> sorted = new TreeSet<>();
    for (int port : ports) {
      requirePort(flag, port);
      sorted.add(port);
    }
    return java.util.Collections.unmodifiableSet(sorted);
  }

  /**
   * An IPv4 address or CIDR in the form iptables prints it back ({@code a.b.c.d/n}), so a rule
   * reads the same in the dry run and in {@code iptables-save}. IPv6 is refused: only the IPv4 nat
   * table is programmed.
   */
  static String normalisedCidr(String text) {
    String cidr = text.trim();
    if (cidr.contains(":")) {
      throw new IllegalArgumentException(
          "--exclude-cidrs: " + cidr + " is IPv6; only IPv4 traffic is captured");
    }
    var match = IPV4_CIDR.matcher(cidr);
    if (!match.matches()) {
      throw new IllegalArgumentException("--exclude-cidrs: " + cidr + " is not an IPv4 CIDR");
    }
    long address = 0;
    for (int i = 1; i <= 4; i++) {
      int octet = Integer.parseInt(match.group(i));
      if (octet > 255) {
        throw new IllegalArgumentException("--exclude-cidrs: " + cidr + " is not an IPv4 CIDR");
      }
      address = (address << 8) | octet;
    }
    int prefix = match.group(6) == null ? 32 : Integer.parseInt(match.group(6));
    if (prefix > 32) {
      throw new IllegalArgumentException("--exclude-cidrs: " + cidr + ": prefix above 32");
    }
    long mask = prefix == 0 ? 0 : (0xFFFFFFFFL << (32 - prefix)) & 0xFFFFFFFFL;
    long network = address & mask;
    return ((network >> 24) & 255)
        + "."
        + ((network >> 16) & 255)
        + "."
        + ((network >> 8) & 255)
        + "."
        + (network & 255)
        + "/"
        + prefix;
  }
}
