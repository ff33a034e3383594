package io.attache.controlplane.translate;

import com.google.common.net.InetAddresses;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import java.util.ArrayList;
import java.util.List;

/**
 * Where a proxy node listens and where its application is, read from the node's metadata the way
 * Istio reads its sidecar settings from node metadata: the outbound listener the app calls ({@code
 * attache.outbound_address}, {@code attache.outbound_port}, default 0.0.0.0:15001) and, when the
 * node declares {@code attache.app_port}, an inbound listener ({@code attache.inbound_address},
 * {@code attache.inbound_port}, default 0.0.0.0:15006) in front of the app at {@code
 * attache.app_address} (default 127.0.0.1). Values may be numbers or strings. A value that is not a
 * valid port or address is not fatal — there is nobody to NACK a node to — so it is replaced by the
 * default and listed by {@link #problems(Struct)}, which the proxy status shows. {@code
 * attache.interception} ({@code REDIRECT} or {@code TPROXY}, see {@link Interception}) asks for the
 * transparent layout: the node's TCP is captured by iptables ({@code ./attache iptables}), so its
 * outbound listener routes by original destination. Derived from the node alone.
 */
public record Sidecar(
    String outboundAddress,
    int outboundPort,
    String inboundAddress,
    int inboundPort,
    String appAddress,
    int appPort,
    Interception interception) {

  /**
   * How a node's traffic reaches its sidecar: NONE (the app calls the outbound listener itself),
   * REDIRECT (iptables nat REDIRECT; the proxy reads SO_ORIGINAL_DST) or TPROXY (iptables mangle
   * TPROXY; listeners are transparent, as Istio's TPROXY mode).
   */
  public enum Interception {
    NONE,
    REDIRECT,
    TPROXY
  }

  public static final String OUTBOUND_ADDRESS_KEY = "attache.outbound_address";
  public static final String OUTBOUND_PORT_KEY = "attache.outbound_port";
  public static final String INBOUND_ADDRESS_KEY = "attache.inbound_address";
  public static final String INBOUND_PORT_KEY = "attache.inbound_port";
  public static final String APP_ADDRESS_KEY = "attache.app_address";
  public static final String APP_PORT_KEY = "attache.app_port";
  public static final String INTERCEPTION_KEY = "attache.interception";

  public static final int DEFAULT_OUTBOUND_PORT = 15001;
  public static final int DEFAULT_INBOUND_PORT = 15006;
  static final int NO_APP = 0;

  /** Outbound listener on 0.0.0.0:15001, no inbound listener. */
  public static final Sidecar DEFAULT =
      new Sidecar(
          "0.0.0.0", DEFAULT_OUTBOUND_PORT, "0.0.0.0", DEFAULT_INBOUND_PORT, "127.0.0.1", NO_APP);

  /** An explicit (not intercepted) sidecar layout. */
  public Sidecar(
      String outboundAddress,
      int outboundPort,
      String inboundAddress,
      int inboundPort,
      String appAddress,
      int appPort) {
    this(
        outboundAddress,
        outboundPort,
        inboundAddress,
        inboundPort,
        appAddress,
        appPort,
        Interception.NONE);
  }

  /** True when iptables captures the node's traffic, so it gets the transparent layout. */
  public boolean intercepted() {
    return interception != Interception.NONE;
  }

  /** The same layout with another interception mode. */
  public Sidecar withInterception(Interception mode) {
    return new Sidecar(
        outboundAddress, outboundPort, inboundAddress, inboundPort, appAddress, appPort, mode);
  }

  /** True when the node declared its application port, so it gets an inbound listener. */
  public boolean hasApp() {
    return appPort != NO_APP;
  }

  /** The name of the cluster that reaches the local application, Istio's {@code inbound|port}. */
  public String appClusterName() {
    return "inbound|" + appPort;
  }

  public static Sidecar of(Struct metadata) {
    return parse(metadata, new ArrayList<>());
  }

  /** What is wrong with the node's sidecar metadata, one line per key, naming the key. */
  public static List<String> problems(Struct metadata) {
    List<String> problems = new ArrayList<>();
    parse(metadata, problems);
    return problems;
  }

  private static Sidecar parse(Struct metadata, List<String> problems) {
    return new Sidecar(
        address(metadata, OUTBOUND_ADDRESS_KEY, DEFAULT.outboundAddress, problems),
        port(metadata, OUTBOUND_PORT_KEY, DEFAULT_OUTBOUND_PORT, problems),
        address(metadata, INBOUND_ADDRESS_KEY, DEFAULT.inboundAddress, problems),
        port(metadata, INBOUND_PORT_KEY, DEFAULT_INBOUND_PORT, problems),
        address(metadata, APP_ADDRESS_KEY, DEFAULT.appAddress, problems),
        port(metadata, APP_PORT_KEY, NO_APP, problems),
        interception(metadata, problems));
  }

  private static Interception interception(Struct metadata, List<String> problems) {
    Value value = metadata.getFieldsOrDefault(INTERCEPTION_KEY, null);
    if (value == null) {
      return Interception.NONE;
    }
    String text =
        value.getKindCase() == Value.KindCase.STRING_VALUE
            ? value.getStringValue().trim().toUpperCase(java.util.Locale.ROOT)
            : "";
    for (Interception mode : Interception.values()) {
      if (mode.name().equals(text)) {
        return mode;
      }
    }
    problems.add(
        "node.metadata."
            + INTERCEPTION_KEY
            + ": not REDIRECT, TPROXY or NONE; using NONE (no transparent interception)");
    return Interception.NONE;
  }

  private static int port(Struct metadata, String key, int fallback, List<String> problems) {
    Value value = metadata.getFieldsOrDefault(key, null);
    if (value == null) {
      return fallback;
    }
    String text =
        switch (value.getKindCase()) {
          case NUMBER_VALUE -> numberText(value.getNumberValue());
          case STRING_VALUE -> value.getStringValue().trim();
          default -> "";
        };
    try {
      int port = Integer.parseInt(text);
      if (port >= 1 && port <= 65535) {
        return port;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    problems.add(
        "node.metadata." + key + ": not a port in [1, 65535]; using " + describe(fallback));
    return fallback;
  }

  private static String numberText(double number) {
    return number == Math.rint(number) && Math.abs(number) < 1e9
        ? Long.toString((long) number)
        : Double.toString(number);
  }

  private static String describe(int fallback) {
    return fallback == NO_APP ? "none (no inbound listener)" : Integer.toString(fallback);
  }

  private static String address(
      Struct metadata, String key, String fallback, List<String> problems) {
    Value value = metadata.getFieldsOrDefault(key, null);
    if (value == null) {
      return fallback;
    }
    String text = value.getKindCase() == Value.KindCase.STRING_VALUE ? value.getStringValue() : "";
    if (isIpLiteral(text)) {
      return text;
    }
    problems.add("node.metadata." + key + ": not an IP address; using " + fallback);
    return fallback;
  }

  /** Listeners bind IP literals only, as Envoy's do; never resolves a name. */
  static boolean isIpLiteral(String text) {
    return InetAddresses.isInetAddress(text);
  }

  @Override
  public String toString() {
    String outbound =
        outboundAddress
            + ":"
            + outboundPort
            + (intercepted() ? " " + interception.name().toLowerCase(java.util.Locale.ROOT) : "");
    return hasApp()
        ? outbound
            + " inbound "
            + inboundAddress
            + ":"
            + inboundPort
            + " → app "
            + appAddress
            + ":"
            + appPort
        : outbound;
  }
}
