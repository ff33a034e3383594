package io.attache.dataplane.testing;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.XdsTransport;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;

/**
 * Starts a real {@link ProxyServer} from bootstrap YAML on ephemeral ports (listener and admin port
 * 0) and offers plain JDK clients against it. Tests close it to release every socket.
 */
public final class ProxyHarness implements AutoCloseable {
  private final ProxyServer server;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private ProxyHarness(ProxyServer server) {
    this.server = server;
  }

  /** Starts a proxy; the YAML should bind port 0 for its listener and admin. */
  public static ProxyHarness start(String bootstrapYaml) throws Exception {
    return start(bootstrapYaml, RandomSource.SYSTEM);
  }

  /** Starts a proxy whose every random draw comes from {@code random} (e.g. a seeded source). */
  public static ProxyHarness start(String bootstrapYaml, RandomSource random) throws Exception {
    return new ProxyHarness(
        ProxyServer.start(
            BootstrapLoader.parse(bootstrapYaml, false),
            new ProxyOptions(
                1,
                Duration.ofSeconds(5),
                new TimeSources(Ticker.SYSTEM, Clock.systemUTC(), random),
                XdsTransport.PLAINTEXT)));
  }

  /** Starts a proxy with the given process options (drain strategy and time, flags). */
  public static ProxyHarness start(String bootstrapYaml, ProxyOptions options) throws Exception {
    return new ProxyHarness(
        ProxyServer.start(BootstrapLoader.parse(bootstrapYaml, false), options));
  }

  /**
   * A bootstrap with one HTTP listener (stat prefix {@code ingress}, codec AUTO) whose virtual host
   * {@code *} has the given routes, plus the given clusters (YAML list items, indented as under
   * {@code clusters:}).
   */
  public static String bootstrap(String hcmExtra, String routesYaml, String clustersYaml) {
    return """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: ingress
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: ingress
        %s
                  route_config:
                    name: local
                    virtual_hosts:
                    - name: all
                      domains: ["*"]
                      routes:
        %s
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
        %s
        """
        .formatted(indent(hcmExtra, 10), indent(routesYaml, 14), indent(clustersYaml, 2));
  }

  /** The routes YAML of one catch-all route to {@code cluster}. */
  public static String routeAllTo(String cluster) {
    return "- match: { prefix: \"/\" }\n  route: { cluster: " + cluster + " }\n";
  }

  /** A STATIC cluster YAML item pointing at the given loopback ports. */
  public static String staticCluster(String name, String extra, int... ports) {
    StringBuilder endpoints = new StringBuilder();
    for (int port : ports) {
      endpoints.append(
          """
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
          """
              .formatted(port));
    }
    return """
        - name: %s
          type: STATIC
          connect_timeout: 1s
        %s
          load_assignment:
            cluster_name: %s
            endpoints:
            - lb_endpoints:
        %s"""
        .formatted(name, indent(extra, 2), name, endpoints);
  }

  private static String indent(String text, int spaces) {
    return L4Bootstrap.indent(text, spaces);
  }

  public ProxyServer server() {
    return server;
  }

  public InetSocketAddress listener() {
    return server.listenerAddresses().values().iterator().next();
  }

  public int port() {
    return listener().getPort();
  }

  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port() + path);
  }

  public HttpResponse<String> get(String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  public HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return client.send(
        request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** GETs a path from the admin endpoint. */
  public String admin(String path) throws Exception {
    InetSocketAddress a = server.adminAddress();
    return client
        .send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  /** POSTs to a path of the admin endpoint; the status and the body. */
  public HttpResponse<String> adminPost(String path) throws Exception {
    InetSocketAddress a = server.adminAddress();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.getPort() + path))
            .POST(HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** The value of one counter or gauge, by Envoy name; 0 when it does not exist. */
  public long stat(String name) {
    var c = server.stats().counters().get(name);
    if (c != null) {
      return c.value();
    }
    var g = server.stats().gauges().get(name);
    return g == null ? 0 : g.value();
  }

  @Override
  public void close() {
    server.drainAndStop(Duration.ZERO);
  }
}
