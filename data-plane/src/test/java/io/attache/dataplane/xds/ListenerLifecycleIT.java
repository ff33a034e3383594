package io.attache.dataplane.xds;

import static io.attache.dataplane.xds.TestResources.address;
import static io.attache.dataplane.xds.TestResources.ads;
import static io.attache.dataplane.xds.TestResources.edsCluster;
import static io.attache.dataplane.xds.TestResources.endpoints;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.testing.RawSockets;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.GrpcService;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.listener.v3.Filter;
import io.envoyproxy.envoy.config.listener.v3.FilterChain;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.listener.v3.ListenerFilter;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.trace.v3.OpenTelemetryConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What LDS and RDS updates do to running listeners, over real sockets with a real ADS server: a
 * rebuilt listener context releases its OTLP exporter and access-log files once its last stream has
 * finished (and not before); a listener moved to a new address binds there and drains the old
 * socket; an update that keeps the socket applies its new listener filters to new connections (and
 * counts as in place only when just the filter chains changed, as in Envoy); a removed listener
 * stops accepting and lets its in-flight requests finish.
 */
class ListenerLifecycleIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final String EXPORTER_THREAD = "attache-otlp-exporter";

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  @TempDir Path dir;
  private Path accessLog;
  private AdsTestServer controlPlane;
  private BlockingUpstream upstream;
  private ProxyServer proxy;

  @BeforeEach
  void start() throws Exception {
    accessLog = dir.resolve("access.log");
    upstream = new BlockingUpstream("a");
    controlPlane = new AdsTestServer().start();
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    controlPlane.close();
    upstream.close();
  }

  @Test
  void rebuildingAListenerContextManyTimesKeepsOneExporterAndOneLogFileOpen() throws Exception {
    assumeThat(Path.of("/proc/self/fd")).as("counts file handles through /proc").isDirectory();
    int exportersBefore = liveThreads(EXPORTER_THREAD);
    controlPlane.setSnapshot(snapshot("1", listener("ingress", 0)));
    startProxy(Duration.ofSeconds(30));
    sendEnoughToExport();
    CompletableFuture<HttpResponse<String>> inFlight = sendAsync(port("ingress"), "/slow");
    await().atMost(WAIT).until(() -> upstream.slowStarted.get() == 1);

    for (int version = 2; version <= 15; version++) {
      String v = Integer.toString(version);
      controlPlane.setSnapshot(snapshot(v, listener("ingress", 0)));
      await().atMost(WAIT).until(() -> configVersion(get(port("ingress"), "/")).equals(v));
      sendEnoughToExport();
    }

    // The first context is held by the in-flight request; every other old one is released.
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(gauge("listener_manager.total_filter_chains_draining")).isEqualTo(1);
              assertThat(openHandles(accessLog)).isEqualTo(2);
              assertThat(liveThreads(EXPORTER_THREAD) - exportersBefore).isEqualTo(2);
            });
    assertThat(inFlight).isNotDone();

    upstream.releaseSlow();
    HttpResponse<String> slow = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(slow.statusCode()).isEqualTo(200);
    assertThat(configVersion(slow)).isEqualTo("1");
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(gauge("listener_manager.total_filter_chains_draining")).isZero();
              assertThat(openHandles(accessLog)).isEqualTo(1);
              assertThat(liveThreads(EXPORTER_THREAD) - exportersBefore).isEqualTo(1);
            });
    assertThat(Files.readAllLines(accessLog))
        .as("the old context logged its last request before its file was closed")
        .contains("/slow 200");
    assertThat(counter("listener_manager.listener_modified"))
        .as("route config changes alone do not modify the listener")
        .isZero();
  }

  @Test
  void aListenerMovedToANewAddressServesThereAndDrainsTheOldSocket() throws Exception {
    controlPlane.setSnapshot(snapshot("1", listener("ingress", 0)));
    startProxy(Duration.ofSeconds(30));
    int oldPort = port("ingress");
    CompletableFuture<HttpResponse<String>> inFlight = sendAsync(oldPort, "/slow");
    await().atMost(WAIT).until(() -> upstream.slowStarted.get() == 1);
    int newPort = freePort();
    controlPlane.setSnapshot(snapshot("2", listener("ingress", newPort)));
    await().atMost(WAIT).until(() -> port("ingress") == newPort);
    // LDS lands before RDS: the moved listener may first serve the old routes.
    await().atMost(WAIT).until(() -> configVersion(get(newPort, "/")).equals("2"));
    await().atMost(WAIT).until(() -> refuses(oldPort));
    assertThat(gauge("listener_manager.total_listeners_draining")).isEqualTo(1);
    assertThat(counter("listener_manager.listener_modified")).isEqualTo(1);

    upstream.releaseSlow();
    HttpResponse<String> slow = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(slow.statusCode()).isEqualTo(200);
    assertThat(slow.body()).isEqualTo("slow");
  }

  @Test
  void anUpdateThatKeepsTheSocketAppliesItsNewListenerFiltersToNewConnections() throws Exception {
    controlPlane.setSnapshot(snapshot("1", listener("ingress", 0)));
    startProxy(Duration.ofSeconds(30));
    int port = port("ingress");
    assertThat(rawGet(port, "")).startsWith("HTTP/1.1 200");

    Listener withProxyProtocol =
        listener("ingress", 0).toBuilder()
            .addListenerFilters(
                ListenerFilter.newBuilder()
                    .setName("envoy.filters.listener.proxy_protocol")
                    .setTypedConfig(Any.pack(ProxyProtocol.getDefaultInstance())))
            .build();
    controlPlane.setSnapshot(snapshot("2", withProxyProtocol));
    await().atMost(WAIT).until(() -> counter("listener_manager.listener_modified") == 1);

    assertThat(port("ingress")).as("the same socket").isEqualTo(port);
    assertThat(rawGet(port, ""))
        .as("no PROXY header: the new listener filter closes the connection")
        .isEmpty();
    assertThat(rawGet(port, "PROXY TCP4 192.0.2.7 127.0.0.1 4000 " + port + "\r\n"))
        .startsWith("HTTP/1.1 200");
    assertThat(counter("listener_manager.listener_in_place_updated"))
        .as("a listener filter change is a whole-listener update in Envoy, not an in-place one")
        .isZero();

    Listener newChain =
        withProxyProtocol.toBuilder()
            .setFilterChains(
                0, withProxyProtocol.getFilterChains(0).toBuilder().setName("renamed").build())
            .build();
    controlPlane.setSnapshot(snapshot("3", newChain));
    await().atMost(WAIT).until(() -> counter("listener_manager.listener_modified") == 2);
    assertThat(counter("listener_manager.listener_in_place_updated"))
        .as("only the filter chains changed")
        .isEqualTo(1);
  }

  /** One raw HTTP/1.1 GET after {@code preamble}; everything the proxy sent until it closed. */
  private static String rawGet(int port, String preamble) throws IOException {
    try (Socket s = RawSockets.connect(port, WAIT)) {
      s.getOutputStream()
          .write(
              (preamble + "GET / HTTP/1.1\r\nhost: a\r\nconnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(RawSockets.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void aRemovedListenerStopsAcceptingAndLetsItsInFlightRequestsFinish() throws Exception {
    controlPlane.setSnapshot(snapshot("1", listener("ingress", 0), listener("second", 0)));
    startProxy(Duration.ofSeconds(30));
    int removedPort = port("ingress");
    CompletableFuture<HttpResponse<String>> inFlight = sendAsync(removedPort, "/slow");
    await().atMost(WAIT).until(() -> upstream.slowStarted.get() == 1);

    controlPlane.setSnapshot(snapshot("2", listener("second", 0)));

    await().atMost(WAIT).until(() -> !proxy.listenerAddresses().containsKey("ingress"));
    await().atMost(WAIT).until(() -> refuses(removedPort));
    assertThat(get(port("second"), "/").statusCode()).isEqualTo(200);
    assertThat(counter("listener_manager.listener_removed")).isEqualTo(1);
    assertThat(gauge("listener_manager.total_listeners_draining")).isEqualTo(1);
    assertThat(gauge("listener_manager.total_listeners_active")).isEqualTo(1);

    upstream.releaseSlow();
    HttpResponse<String> slow = inFlight.get(20, TimeUnit.SECONDS);
    assertThat(slow.statusCode()).isEqualTo(200);
    assertThat(slow.body()).isEqualTo("slow");
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void startProxy(Duration drainTime) throws Exception {
    String bootstrap =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        """
            + TestResources.bootstrap(controlPlane.port(), "GRPC");
    proxy =
        ProxyServer.start(BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, drainTime));
    await().atMost(WAIT).until(() -> !proxy.listenerAddresses().isEmpty());
  }

  /** Listeners all take route config {@code local_route}, answered with the snapshot version. */
  private Snapshot snapshot(String version, Listener... listeners) {
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName("local_route")
            .addResponseHeadersToAdd(
                HeaderValueOption.newBuilder()
                    .setHeader(
                        HeaderValue.newBuilder().setKey("x-config-version").setValue(version)))
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("all")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster("backend"))))
            .build();
    return Snapshot.create(
        List.of(edsCluster("backend")),
        List.of(endpoints("backend", upstream.port())),
        List.of(listeners),
        List.of(routes),
        List.of(),
        version);
  }

  /** An RDS listener that logs every request to the access-log file and traces it over OTLP. */
  private Listener listener(String name, int port) {
    HttpConnectionManager hcm =
        HttpConnectionManager.newBuilder()
            .setStatPrefix(name)
            .setRds(Rds.newBuilder().setRouteConfigName("local_route").setConfigSource(ads(5)))
            .addAccessLog(
                AccessLog.newBuilder()
                    .setName("envoy.access_loggers.file")
                    .setTypedConfig(
                        Any.pack(
                            FileAccessLog.newBuilder()
                                .setPath(accessLog.toString())
                                .setLogFormat(
                                    SubstitutionFormatString.newBuilder()
                                        .setTextFormat("%REQ(:PATH)% %RESPONSE_CODE%\n"))
                                .build())))
            .setTracing(
                HttpConnectionManager.Tracing.newBuilder()
                    .setProvider(
                        io.envoyproxy.envoy.config.trace.v3.Tracing.Http.newBuilder()
                            .setName("envoy.tracers.opentelemetry")
                            .setTypedConfig(
                                Any.pack(
                                    OpenTelemetryConfig.newBuilder()
                                        .setGrpcService(
                                            GrpcService.newBuilder()
                                                .setEnvoyGrpc(
                                                    GrpcService.EnvoyGrpc.newBuilder()
                                                        .setClusterName("otel-collector")))
                                        .setServiceName("lifecycle-test")
                                        .build()))))
            .addHttpFilters(
                HttpFilter.newBuilder()
                    .setName("envoy.filters.http.router")
                    .setTypedConfig(Any.pack(Router.getDefaultInstance())))
            .build();
    return Listener.newBuilder()
        .setName(name)
        .setAddress(address("127.0.0.1", port))
        .addFilterChains(
            FilterChain.newBuilder()
                .addFilters(
                    Filter.newBuilder()
                        .setName("envoy.filters.network.http_connection_manager")
                        .setTypedConfig(Any.pack(hcm))))
        .build();
  }

  /** Five sampled spans make the exporter flush, so its export thread exists. */
  private void sendEnoughToExport() throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(get(port("ingress"), "/").statusCode()).isEqualTo(200);
    }
  }

  private int port(String listener) {
    return proxy.listenerAddresses().get(listener).getPort();
  }

  private static String configVersion(HttpResponse<String> response) {
    return response.headers().firstValue("x-config-version").orElse("");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return client.send(request(port, path), HttpResponse.BodyHandlers.ofString());
  }

  private CompletableFuture<HttpResponse<String>> sendAsync(int port, String path) {
    return client.sendAsync(request(port, path), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpRequest request(int port, String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(20))
        .build();
  }

  private static boolean refuses(int port) {
    try (Socket s = new Socket("127.0.0.1", port)) {
      return false;
    } catch (IOException refused) {
      return true;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** This process's open file descriptors that point at {@code file}. */
  private static long openHandles(Path file) throws IOException {
    Path target = file.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.filter(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).equals(target);
                } catch (IOException | UnsupportedOperationException gone) {
                  return false;
                }
              })
          .count();
    }
  }

  private static int liveThreads(String name) {
    return (int)
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.isAlive() && t.getName().equals(name))
            .count();
  }

  private long gauge(String name) {
    var gauge = proxy.stats().gauges().get(name);
    return gauge == null ? 0 : gauge.value();
  }

  private long counter(String name) {
    var counter = proxy.stats().counters().get(name);
    return counter == null ? 0 : counter.value();
  }
}
