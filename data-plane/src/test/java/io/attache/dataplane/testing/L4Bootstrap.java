package io.attache.dataplane.testing;

/**
 * Bootstrap text for listener-level tests that both proxies run: admin and listeners on ephemeral
 * loopback ports, {@code tcp_proxy} filters, filter chains and indentation, so a test writes only
 * what its scenario is about. Builds text only; it never starts anything.
 */
public final class L4Bootstrap {
  private L4Bootstrap() {}

  /** The listener_filters field (unindented) with Envoy's tls_inspector alone. */
  public static final String TLS_INSPECTOR =
      """
      listener_filters:
      - name: envoy.filters.listener.tls_inspector
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector
      """;

  /**
   * A bootstrap with admin on an ephemeral port and these static listeners and clusters (YAML list
   * items, unindented).
   */
  public static String of(String listenersYaml, String clustersYaml) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
        %s
          clusters:
        %s
        """
        .formatted(indent(listenersYaml, 2), indent(clustersYaml, 2));
  }

  /**
   * A listener list item {@code name} on {@code address}, port 0 (the kernel's choice), with {@code
   * extra} listener fields (listener_filters, default_filter_chain, ...) and these filter chains
   * (list items).
   */
  public static String listener(String name, String address, String extra, String chainsYaml) {
    return """
        - name: %s
          address: { socket_address: { address: %s, port_value: 0 } }
        %s
          filter_chains:
        %s"""
        .formatted(name, address, indent(extra, 2), indent(chainsYaml, 2));
  }

  /** A {@code tcp_proxy} filter list item, with {@code extra} TcpProxy fields. */
  public static String tcpProxy(String statPrefix, String cluster, String extra) {
    return """
        - name: envoy.filters.network.tcp_proxy
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy
            stat_prefix: %s
            cluster: %s
        %s"""
        .formatted(statPrefix, cluster, indent(extra, 4));
  }

  /**
   * A filter chain list item: its own fields on one line ({@code name: tls}, {@code
   * filter_chain_match: { ... }}, or empty for none) and its filters.
   */
  public static String chain(String fields, String filtersYaml) {
    String head = fields.isEmpty() ? "- " : "- " + fields + "\n  ";
    return head + "filters:\n" + indent(filtersYaml, 2);
  }

  /** {@code text} with its common indentation removed and {@code spaces} put before each line. */
  public static String indent(String text, int spaces) {
    if (text == null || text.isBlank()) {
      return "";
    }
    String pad = " ".repeat(spaces);
    StringBuilder out = new StringBuilder();
    for (String line : text.stripIndent().split("\n")) {
      out.append(line.isBlank() ? "" : pad + line).append('\n');
    }
    return out.toString();
  }
}
