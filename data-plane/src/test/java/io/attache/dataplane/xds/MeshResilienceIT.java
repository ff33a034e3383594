package io.attache.dataplane.xds;

import static io.attache.dataplane.xds.TestResources.address;
import static io.attache.dataplane.xds.TestResources.edsCluster;
import static io.attache.dataplane.xds.TestResources.endpoints;
import static io.attache.dataplane.xds.TestResources.rdsListener;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Mesh mode under steady traffic, for state-of-the-world and delta ADS alike, over real sockets
 * with a real java-control-plane server: the control plane dies and comes back (no request fails;
 * the proxy reconnects and applies the next change), a long streaming response outlives a config
 * push, and an update the proxy cannot honour is NACKed naming the resource and field while the
 * previous config keeps serving. The jitter of the reconnect back-off itself is unit-tested in
 * {@code AdsClientTest} with injected time and randomness.
 */
class MeshResilienceIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private AdsTestServer controlPlane;
  private BlockingUpstream upstreamA;
  private BlockingUpstream upstreamB;
  private ProxyServer proxy;

  @BeforeEach
  void start() throws Exception {
    upstreamA = new BlockingUpstream("a");
    upstreamB = new BlockingUpstream("b");
    controlPlane = new AdsTestServer().start();
    controlPlane.setSnapshot(snapshot("1", "backend", edsCluster("backend")));
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    controlPlane.close();
    upstreamA.close();
    upstreamB.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void aKilledControlPlaneFailsNoRequestAndTheProxyResyncsWhenItReturns(String apiType)
      throws Exception {
    startProxy(apiType);
    try (SteadyTraffic traffic = new SteadyTraffic(() -> port(), "/")) {
      awaitMore(traffic, 20);

      controlPlane.stop();
      await().atMost(WAIT).until(() -> gauge("control_plane.connected_state") == 0);
      long failuresBefore = counter("cluster_manager.cds.update_failure");
      awaitMore(traffic, 50);
      // Still down: the proxy keeps retrying, each time after a new jittered delay.
      await()
          .atMost(WAIT)
          .until(() -> counter("cluster_manager.cds.update_failure") > failuresBefore);

      controlPlane.start(); // same port, same cache: a restarted control plane
      await().atMost(WAIT).until(() -> gauge("control_plane.connected_state") == 1);
      // An endpoint move: safe in any response order (a route to a cluster the proxy has not
      // received yet would be a 503 NC in Envoy too, whatever the connection to the server).
      Snapshot moved = snapshot("2", "backend", edsCluster("backend"));
      controlPlane.setSnapshot(
          Snapshot.create(
              List.of(edsCluster("backend")),
              List.of(endpoints("backend", upstreamB.port())),
              moved.listeners().resources().values().stream().toList(),
              moved.routes().resources().values().stream().toList(),
              List.of(),
              "2"));
      await().atMost(WAIT).until(() -> traffic.lastUpstream().equals("b"));
      awaitMore(traffic, 20);

      traffic.close();
      assertThat(traffic.failures()).as("%s", traffic).isEmpty();
    }
    assertThat(get("/").headers().firstValue("x-upstream")).hasValue("b");
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void aLongStreamingResponseSurvivesAConfigPushAndNewRequestsFollowTheNewRoutes(String apiType)
      throws Exception {
    startProxy(apiType);
    HttpResponse<InputStream> streaming =
        client.send(request("/stream"), HttpResponse.BodyHandlers.ofInputStream());
    assertThat(streaming.statusCode()).isEqualTo(200);
    InputStream body = streaming.body();
    upstreamA.sendChunk("first;");
    assertThat(readExactly(body, "first;".length())).isEqualTo("first;");

    // The listener's routes and the cluster set change while the response streams.
    controlPlane.setSnapshot(snapshot("2", "other", edsCluster("backend"), edsCluster("other")));
    await()
        .atMost(WAIT)
        .until(() -> get("/next").headers().firstValue("x-upstream").orElse(""), "b"::equals);

    upstreamA.sendChunk("second;");
    assertThat(readExactly(body, "second;".length())).isEqualTo("second;");
    upstreamA.endStream();
    assertThat(new String(body.readAllBytes(), StandardCharsets.UTF_8)).isEmpty();
    body.close();
    assertThat(upstreamA.streamsStarted).hasValue(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {"GRPC", "DELTA_GRPC"})
  void anUpdateTheProxyCannotHonourIsNackedNamingTheFieldAndTheOldConfigKeepsServing(String apiType)
      throws Exception {
    startProxy(apiType);
    try (SteadyTraffic traffic = new SteadyTraffic(() -> port(), "/")) {
      awaitMore(traffic, 20);

      Cluster maglev =
          edsCluster("backend").toBuilder().setLbPolicy(Cluster.LbPolicy.MAGLEV).build();
      controlPlane.setSnapshot(snapshot("2", "backend", maglev));

      await().atMost(WAIT).until(() -> nackDetail().contains("lb_policy"));
      awaitMore(traffic, 50);
      traffic.close();
      assertThat(traffic.failures()).as("%s", traffic).isEmpty();
      assertThat(traffic.lastUpstream()).isEqualTo("a");
    }
    assertThat(nackDetail()).contains("clusters[\"backend\"].lb_policy");
    assertThat(counter("cluster_manager.cds.update_rejected")).isGreaterThanOrEqualTo(1);
    String dump = admin("/config_dump");
    assertThat(dump).contains("\"error_state\"").contains("clusters[\\\"backend\\\"].lb_policy");
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void startProxy(String apiType) throws Exception {
    String bootstrap =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        """
            + TestResources.bootstrap(controlPlane.port(), apiType);
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, Duration.ofSeconds(30)));
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().containsKey("ingress"));
    await().atMost(WAIT).until(() -> get("/").statusCode() == 200);
  }

  /** Routes {@code /} to {@code routeTo}; {@code other} runs on upstream B, the rest on A. */
  private Snapshot snapshot(String version, String routeTo, Cluster... clusters) {
    Listener listener =
        rdsListener("ingress", "local_route").toBuilder()
            .setAddress(address("127.0.0.1", 0))
            .build();
    RouteConfiguration routes =
        RouteConfiguration.newBuilder()
            .setName("local_route")
            .addVirtualHosts(
                VirtualHost.newBuilder()
                    .setName("all")
                    .addDomains("*")
                    .addRoutes(
                        Route.newBuilder()
                            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                            .setRoute(RouteAction.newBuilder().setCluster(routeTo))))
            .build();
    List<Cluster> clusterList = List.of(clusters);
    return Snapshot.create(
        clusterList,
        clusterList.stream()
            .map(
                c ->
                    endpoints(
                        c.getName(),
                        c.getName().equals("other") ? upstreamB.port() : upstreamA.port()))
            .toList(),
        List.of(listener),
        List.of(routes),
        List.of(),
        version);
  }

  private String nackDetail() {
    StringBuilder details = new StringBuilder();
    controlPlane.requests.stream()
        .filter(r -> r.hasErrorDetail())
        .forEach(r -> details.append(r.getErrorDetail().getMessage()).append('\n'));
    controlPlane.deltaRequests.stream()
        .filter(r -> r.hasErrorDetail())
        .forEach(r -> details.append(r.getErrorDetail().getMessage()).append('\n'));
    return details.toString();
  }

  private static void awaitMore(SteadyTraffic traffic, long more) {
    long target = traffic.count() + more;
    await().atMost(WAIT).until(() -> traffic.count() >= target);
  }

  private static String readExactly(InputStream in, int n) throws Exception {
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  private int port() {
    return proxy.listenerAddresses().get("ingress").getPort();
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port() + path))
        .timeout(Duration.ofSeconds(30))
        .build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return client.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private String admin(String path) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
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
