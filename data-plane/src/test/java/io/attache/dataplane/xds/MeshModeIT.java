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
import io.attache.dataplane.testing.TestHttpServer;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Mesh mode end to end: a real java-control-plane ADS server, a real upstream, and a {@link
 * ProxyServer} started from an ADS bootstrap, all over real sockets. Covers first traffic after
 * LDS/RDS/CDS/EDS, route and endpoint changes, a NACKed snapshot and a lost control plane.
 */
class MeshModeIT {
  private static final Duration WAIT = Duration.ofSeconds(20);

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private AdsTestServer controlPlane;
  private TestHttpServer upstreamA;
  private TestHttpServer upstreamB;
  private ProxyServer proxy;

  @BeforeEach
  void start() throws Exception {
    upstreamA = TestHttpServer.http1(TestHttpServer.echo("a"));
    upstreamB = TestHttpServer.http1(TestHttpServer.echo("b"));
    controlPlane = new AdsTestServer().start();
    controlPlane.setSnapshot(
        snapshot(
            "1",
            List.of(edsCluster("backend")),
            List.of(endpoints("backend", upstreamA.port())),
            routes(route("/", "backend"))));
  }

  /** Starts the proxy from an ADS bootstrap and waits for its LDS listener. */
  private void startProxy(String apiType) throws Exception {
    String bootstrap =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        """
            + TestResources.bootstrap(controlPlane.port(), apiType);
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, Duration.ofSeconds(1)));
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().containsKey("ingress"));
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

  @Test
  void servesTrafficOnceListenersRoutesClustersAndEndpointsArrived() throws Exception {
    startProxy("GRPC");
    HttpResponse<String> response = get("/hello");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-upstream")).hasValue("a");
    assertThat(stat("control_plane.connected_state")).isEqualTo(1);
    String dump = admin("/config_dump?include_eds");
    assertThat(dump)
        .contains("dynamic_active_clusters")
        .contains("dynamic_listeners")
        .contains("dynamic_route_configs")
        .contains("dynamic_endpoint_configs");
    assertThat(admin("/clusters")).contains("backend::added_via_api::true");
  }

  @Test
  void aNewRouteTakesEffectForNewRequests() throws Exception {
    startProxy("GRPC");
    assertThat(get("/other").headers().firstValue("x-upstream")).hasValue("a");

    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("backend"), edsCluster("other")),
            List.of(endpoints("backend", upstreamA.port()), endpoints("other", upstreamB.port())),
            routes(route("/other", "other"), route("/", "backend"))));

    await()
        .atMost(WAIT)
        .until(() -> get("/other").headers().firstValue("x-upstream").orElse(""), "b"::equals);
    assertThat(get("/hello").headers().firstValue("x-upstream")).hasValue("a");
  }

  @Test
  void anUnchangedClusterKeepsItsPooledConnectionsAcrossAnUpdate() throws Exception {
    startProxy("GRPC");
    assertThat(get("/").statusCode()).isEqualTo(200);
    assertThat(upstreamA.connectionsAccepted()).isEqualTo(1);

    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("backend"), edsCluster("other")),
            List.of(endpoints("backend", upstreamA.port()), endpoints("other", upstreamB.port())),
            routes(route("/other", "other"), route("/", "backend"))));
    await()
        .atMost(WAIT)
        .until(() -> get("/other").headers().firstValue("x-upstream").orElse(""), "b"::equals);

    for (int i = 0; i < 5; i++) {
      assertThat(get("/").headers().firstValue("x-upstream")).hasValue("a");
    }
    assertThat(upstreamA.connectionsAccepted()).isEqualTo(1);
  }

  @Test
  void anInFlightRequestFinishesOnTheConfigItStartedWith() throws Exception {
    startProxy("GRPC");
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    upstreamA.setHandler(
        r -> {
          if (r.uri().equals("/slow")) {
            try {
              release.await(); // holds the response until the config has changed
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          return TestHttpServer.Reply.ok("slow").withHeader("x-upstream", "a");
        });
    var inFlight =
        client.sendAsync(
            HttpRequest.newBuilder(
                    URI.create(
                        "http://127.0.0.1:"
                            + proxy.listenerAddresses().get("ingress").getPort()
                            + "/slow"))
                .timeout(Duration.ofSeconds(20))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    await().atMost(WAIT).until(() -> !upstreamA.received().isEmpty());

    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("other")),
            List.of(endpoints("other", upstreamB.port())),
            routes(route("/", "other"))));
    await()
        .atMost(WAIT)
        .until(() -> get("/new").headers().firstValue("x-upstream").orElse(""), "b"::equals);
    release.countDown();

    HttpResponse<String> response = inFlight.get(20, java.util.concurrent.TimeUnit.SECONDS);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("slow");
  }

  @Test
  void anEndpointChangeOverEdsShiftsTraffic() throws Exception {
    startProxy("GRPC");
    assertThat(get("/").headers().firstValue("x-upstream")).hasValue("a");

    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("backend")),
            List.of(endpoints("backend", upstreamB.port())),
            routes(route("/", "backend"))));

    await()
        .atMost(WAIT)
        .until(() -> get("/").headers().firstValue("x-upstream").orElse(""), "b"::equals);
  }

  @Test
  void aSnapshotThatCannotBeAppliedIsNackedAndTheOldConfigKeepsServing() throws Exception {
    startProxy("GRPC");
    List<Integer> statuses = new ArrayList<>();
    statuses.add(get("/").statusCode());
    // Passes the client's checks, but its name collides with the static ADS cluster: only
    // applying it can tell, so this exercises the proxy's own refusal.
    Cluster collides = edsCluster("xds_cluster");
    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("backend"), collides, edsCluster("other")),
            List.of(
                endpoints("backend", upstreamA.port()),
                endpoints("xds_cluster", upstreamB.port()),
                endpoints("other", upstreamB.port())),
            routes(route("/", "backend"))));

    await()
        .atMost(WAIT)
        .until(
            () -> {
              statuses.add(get("/").statusCode());
              return controlPlane.requests.stream().anyMatch(r -> r.hasErrorDetail());
            });
    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = get("/");
      statuses.add(response.statusCode());
      assertThat(response.headers().firstValue("x-upstream")).hasValue("a");
    }

    assertThat(statuses).containsOnly(200);
    assertThat(controlPlane.requests)
        .filteredOn(r -> r.hasErrorDetail())
        .allSatisfy(
            r ->
                assertThat(r.getErrorDetail().getMessage())
                    .contains("clusters[\"xds_cluster\"].name: a static cluster is already named"));
  }

  @Test
  void losingTheControlPlaneChangesNothingForTraffic() throws Exception {
    startProxy("GRPC");
    assertThat(get("/").statusCode()).isEqualTo(200);

    controlPlane.stop();
    await().atMost(WAIT).until(() -> stat("control_plane.connected_state") == 0);

    for (int i = 0; i < 20; i++) {
      HttpResponse<String> response = get("/");
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("x-upstream")).hasValue("a");
    }
  }

  @Test
  void servesAndFollowsUpdatesOverDeltaXds() throws Exception {
    startProxy("DELTA_GRPC");
    assertThat(get("/").headers().firstValue("x-upstream")).hasValue("a");

    controlPlane.setSnapshot(
        snapshot(
            "2",
            List.of(edsCluster("backend")),
            List.of(endpoints("backend", upstreamB.port())),
            routes(route("/", "backend"))));

    await()
        .atMost(WAIT)
        .until(() -> get("/").headers().firstValue("x-upstream").orElse(""), "b"::equals);
  }

  @Test
  void aRemovedListenerStopsAcceptingAndANewOneBinds() throws Exception {
    startProxy("GRPC");
    int oldPort = proxy.listenerAddresses().get("ingress").getPort();
    Listener second =
        rdsListener("second", "local_route").toBuilder()
            .setAddress(address("127.0.0.1", 0))
            .build();
    controlPlane.setSnapshot(
        Snapshot.create(
            List.of(edsCluster("backend")),
            List.of(endpoints("backend", upstreamA.port())),
            List.of(second),
            List.of(routes(route("/", "backend"))),
            List.of(),
            "2"));

    await()
        .atMost(WAIT)
        .until(
            () ->
                proxy.listenerAddresses().containsKey("second")
                    && !proxy.listenerAddresses().containsKey("ingress"));
    int newPort = proxy.listenerAddresses().get("second").getPort();
    assertThat(getAt(newPort, "/").headers().firstValue("x-upstream")).hasValue("a");
    await()
        .atMost(WAIT)
        .until(
            () -> {
              try (java.net.Socket s = new java.net.Socket("127.0.0.1", oldPort)) {
                return false;
              } catch (java.io.IOException refused) {
                return true;
              }
            });
  }

  // ---- helpers -----------------------------------------------------------------------------

  private static Snapshot snapshot(
      String version,
      List<Cluster> clusters,
      List<ClusterLoadAssignment> endpoints,
      RouteConfiguration routes) {
    Listener listener =
        rdsListener("ingress", "local_route").toBuilder()
            .setAddress(address("127.0.0.1", 0))
            .build();
    return Snapshot.create(
        clusters, endpoints, List.of(listener), List.of(routes), List.of(), version);
  }

  private static Route route(String prefix, String cluster) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix(prefix))
        .setRoute(RouteAction.newBuilder().setCluster(cluster))
        .build();
  }

  private static RouteConfiguration routes(Route... routes) {
    return RouteConfiguration.newBuilder()
        .setName("local_route")
        .addVirtualHosts(
            VirtualHost.newBuilder().setName("all").addDomains("*").addAllRoutes(List.of(routes)))
        .build();
  }

  private HttpResponse<String> get(String path) throws Exception {
    return getAt(proxy.listenerAddresses().get("ingress").getPort(), path);
  }

  private HttpResponse<String> getAt(int port, String path) throws Exception {
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private String admin(String path) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private long stat(String name) {
    var counter = proxy.stats().counters().get(name);
    if (counter != null) {
      return counter.value();
    }
    var gauge = proxy.stats().gauges().get(name);
    return gauge == null ? 0 : gauge.value();
  }
}
