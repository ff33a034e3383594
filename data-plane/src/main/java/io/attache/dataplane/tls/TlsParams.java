package io.attache.dataplane.tls;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsParameters.TlsProtocol;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import javax.net.ssl.SSLContext;

/**
 * {@code tls_params}: the protocol versions and TLS 1.2 cipher suites of one context, with Envoy's
 * defaults (TLS 1.2 minimum; maximum TLS 1.2 for clients and TLS 1.3 for servers). Only TLS 1.2 and
 * 1.3 are allowed; cipher suites are given in OpenSSL names, as in Envoy, and translated to the
 * JDK's. Immutable.
 *
 * @param protocols JDK protocol names from minimum to maximum
 * @param cipherSuites JDK cipher suite names; empty means the JDK's defaults
 */
public record TlsParams(List<String> protocols, List<String> cipherSuites) {

  /** Which end of the connection the context is for; the defaults differ. */
  public enum Side {
    CLIENT,
    SERVER
  }

  /** TLS 1.3 suites are not configurable in Envoy ({@code cipher_suites} applies to 1.0-1.2). */
  private static final List<String> TLS13_SUITES =
      List.of("TLS_AES_128_GCM_SHA256", "TLS_AES_256_GCM_SHA384", "TLS_CHACHA20_POLY1305_SHA256");

  private static final Map<String, String> OPENSSL_TO_JDK =
      Map.ofEntries(
          Map.entry("ECDHE-ECDSA-AES128-GCM-SHA256", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("ECDHE-RSA-AES128-GCM-SHA256", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("ECDHE-ECDSA-AES256-GCM-SHA384", "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384"),
          Map.entry("ECDHE-RSA-AES256-GCM-SHA384", "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry(
              "ECDHE-ECDSA-CHACHA20-POLY1305", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry("ECDHE-RSA-CHACHA20-POLY1305", "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256"),
          Map.entry("ECDHE-ECDSA-AES128-SHA", "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA"),
          Map.entry("ECDHE-RSA-AES128-SHA", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry("ECDHE-ECDSA-AES256-SHA", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA"),
          Map.entry("ECDHE-RSA-AES256-SHA", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA"),
          Map.entry("AES128-GCM-SHA256", "TLS_RSA_WITH_AES_128_GCM_SHA256"),
          Map.entry("AES256-GCM-SHA384", "TLS_RSA_WITH_AES_256_GCM_SHA384"),
          Map.entry("AES128-SHA", "TLS_RSA_WITH_AES_128_CBC_SHA"),
          Map.entry("AES256-SHA", "TLS_RSA_WITH_AES_256_CBC_SHA"));

  private static final Set<String> JDK_SUPPORTED = jdkSupportedSuites();

  public TlsParams {
    protocols = List.copyOf(protocols);
    cipherSuites = List.copyOf(cipherSuites);
  }

  public static TlsParams defaults(Side side) {
    return side == Side.CLIENT
        ? new TlsParams(List.of("TLSv1.2"), List.of())
        : new TlsParams(List.of("TLSv1.2", "TLSv1.3"), List.of());
  }

  public static TlsParams from(TlsParameters proto, String path, Side side) throws ConfigException {
    int min = version(proto.getTlsMinimumProtocolVersion(), path + ".tls_minimum_protocol_version");
    int max = version(proto.getTlsMaximumProtocolVersion(), path + ".tls_maximum_protocol_version");
    if (min == 0) {
      min = 2;
    }
    if (max == 0) {
      max = side == Side.CLIENT ? 2 : 3;
    }
    if (min > max) {
      throw new ConfigException(
          path + ".tls_minimum_protocol_version",
          "TLSv1_" + min + " is above tls_maximum_protocol_version TLSv1_" + max);
    }
    List<String> protocols = new ArrayList<>();
    for (int v = min; v <= max; v++) {
      protocols.add("TLSv1." + v);
    }
    List<String> suites = new ArrayList<>();
    for (int i = 0; i < proto.getCipherSuitesCount(); i++) {
      String entry = proto.getCipherSuites(i);
      // "[A|B]" is BoringSSL's equal-preference group; the JDK has no such notion, so A then B.
      String bare =
          entry.startsWith("[") && entry.endsWith("]")
              ? entry.substring(1, entry.length() - 1)
              : entry;
      for (String name : bare.split("\\|")) {
        suites.add(cipherSuite(name.trim(), path + ".cipher_suites[" + i + "]"));
      }
    }
    if (!suites.isEmpty() && protocols.contains("TLSv1.3")) {
      suites.addAll(TLS13_SUITES);
    }
    return new TlsParams(protocols, suites);
  }

  /** 0 for TLS_AUTO; the minor version (2 or 3) otherwise. */
  private static int version(TlsProtocol protocol, String path) throws ConfigException {
    return switch (protocol) {
      case TLS_AUTO -> 0;
      case TLSv1_2 -> 2;
      case TLSv1_3 -> 3;
      case TLSv1_0, TLSv1_1 ->
          throw new ConfigException(path, protocol + " is not allowed; use TLSv1_2 or TLSv1_3");
      default -> throw new ConfigException(path, "unknown TLS protocol " + protocol);
    };
  }

  private static String cipherSuite(String name, String path) throws ConfigException {
    String jdk = name.startsWith("TLS_") ? name : OPENSSL_TO_JDK.get(name);
    if (jdk == null) {
      throw new ConfigException(path, "unknown cipher suite '" + name + "'");
    }
    if (!JDK_SUPPORTED.contains(jdk)) {
      throw new ConfigException(path, "cipher suite '" + name + "' is not available in this JDK");
    }
    return jdk;
  }

  private static Set<String> jdkSupportedSuites() {
    try {
      return Set.of(SSLContext.getDefault().getSupportedSSLParameters().getCipherSuites());
    } catch (NoSuchAlgorithmException e) {
      return Set.of();
    }
  }
}
