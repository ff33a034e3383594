package io.attache.dataplane.testing;

import static io.attache.dataplane.testing.L4Bootstrap.chain;
import static io.attache.dataplane.testing.L4Bootstrap.tcpProxy;

/**
 * Bootstrap text shared by the CONNECT tunnel tests, in Envoy's {@code terminate_*} and {@code
 * encapsulate_in_*} shapes: the terminating proxy (CONNECT and POST with {@code foo: bar} into an
 * echo server), a tcp_proxy listener that tunnels into a cluster, and a cluster speaking a given
 * HTTP version. Builds text only.
 */
public final class TunnelBootstraps {
  private TunnelBootstraps() {}

  /**
   * Listener {@code terminate}: CONNECT (HTTP/1.1 and HTTP/2) and, with {@code allow_post}, POST
   * requests carrying {@code foo: bar} are tunnelled into the echo server on {@code echoPort}; any
   * other request finds no route.
   */
  public static String terminating(int echoPort) {
    String routes =
        """
        - match:
            connect_matcher: {}
            headers: [ { name: foo, string_match: { exact: bar } } ]
          route:
            cluster: echo
            upgrade_configs: [ { upgrade_type: CONNECT, connect_config: {} } ]
        - match:
            prefix: /
            headers:
            - { name: foo, string_match: { exact: bar } }
            - { name: ":method", string_match: { exact: POST } }
          route:
            cluster: echo
            upgrade_configs:
            - { upgrade_type: CONNECT, connect_config: { allow_post: true } }
        """;
    return L4Bootstrap.of(
        connectListener("terminate", "http2_protocol_options: { allow_connect: true }", routes),
        ProxyHarness.staticCluster("echo", "", echoPort));
  }

  /**
   * A listener list item {@code name} whose connection manager (stat prefix {@code name}) accepts
   * CONNECT upgrades, has these further fields, and routes by {@code routesYaml} (route list items
   * of one catch-all virtual host).
   */
  public static String connectListener(String name, String hcmFields, String routesYaml) {
    String connectionManager =
        """
        - name: envoy.filters.network.http_connection_manager
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
            stat_prefix: %s
            upgrade_configs: [ { upgrade_type: CONNECT } ]
        %s
            http_filters:
            - name: envoy.filters.http.router
              typed_config:
                "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
            route_config:
              virtual_hosts:
              - name: all
                domains: ["*"]
                routes:
        %s"""
            .formatted(name, L4Bootstrap.indent(hcmFields, 4), L4Bootstrap.indent(routesYaml, 8));
    return L4Bootstrap.listener(name, "127.0.0.1", "", chain("", connectionManager));
  }

  /**
   * A listener list item {@code name} whose tcp_proxy (stat prefix {@code name}) tunnels to {@code
   * cluster} as {@code echo.internal:7}, with these further {@code tunneling_config} fields.
   */
  public static String tunnelListener(String name, String cluster, String tunnelingFields) {
    String tunneling =
        "tunneling_config: { hostname: \"echo.internal:7\", " + tunnelingFields + " }";
    return L4Bootstrap.listener(
        name, "127.0.0.1", "", chain("", tcpProxy(name, cluster, tunneling)));
  }

  /**
   * A static cluster list item to loopback {@code port} speaking {@code protocolOptions} ({@code
   * http_protocol_options} or {@code http2_protocol_options}) upstream.
   */
  public static String httpCluster(String name, String protocolOptions, int port) {
    return ProxyHarness.staticCluster(
        name,
        """
        typed_extension_protocol_options:
          envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
            "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
            explicit_http_config: { %s: {} }
        """
            .formatted(protocolOptions),
        port);
  }
}
