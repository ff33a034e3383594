package io.attache.controlplane.replica;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.TestPostgres;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.envoyproxy.controlplane.cache.Resources;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 18's failure behaviour with real processes: a real PostgreSQL, three control-plane replicas
 * as their own JVMs on it, two Attaché proxies (state of the world and delta) whose bootstrap lists
 * all three replicas, and steady traffic through both proxies the whole time. Each test starts and
 * ends with every replica up, and fails if a single request failed while it ran. The fixture is
 * built once for the class: starting three JVMs and a database per test would triple its cost.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplicaFailureIT {

  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final List<String> NODES = List.of("sotw-proxy", "delta-proxy");

  /** Static: the fixture is built in {@code @BeforeAll}, before instance fields are injected. */
  @TempDir static Path dir;

  private TestPostgres postgres;
  private final List<ReplicaProcess> replicas = new ArrayList<>();
  private final List<ProxyServer> proxies = new ArrayList<>();
  private final List<Traffic> traffic = new ArrayList<>();
  private HttpServer appA;
  private HttpServer appB;
  private int writes;

  @BeforeAll
  void startMesh() throws Exception {
    postgres = TestPostgres.start();
    String store = postgres.uri(postgres.createDatabase());
    Path key = dir.resolve("ca-kek");
    Files.writeString(key, CaKeyEncryptionKey.random().encoded());
    for (int i = 0; i < 3; i++) {
      replicas.add(
          ReplicaProcess.create(
              "replica-" + i,
              dir,
              store,
              List.of(
                  "--ca-key-encryption-key-file",
                  key.toString(),
                  "--store-head-check-interval",
                  "2s")));
    }
    for (ReplicaProcess replica : replicas) {
      replica.start(); // all three at once: they migrate the empty database concurrently
    }
    for (ReplicaProcess replica : replicas) {
      awaitReady(replica);
    }
    appA = app("a");
    appB = app("b");
    route(replicas.get(0), appA);
    proxies.add(proxy(NODES.get(0), "GRPC"));
    proxies.add(proxy(NODES.get(1), "DELTA_GRPC"));
    for (ProxyServer proxy : proxies) {
      int port = proxy.listenerAddresses().values().iterator().next().getPort();
      await().atMost(WAIT).ignoreExceptions().until(() -> get(port).endsWith("app a"));
      traffic.add(new Traffic(port));
    }
  }

  @AfterAll
  void stopMesh() throws Exception {
    traffic.forEach(Traffic::stop);
    for (ProxyServer proxy : proxies) {
      proxy.drainAndStop(Duration.ZERO);
    }
    for (ReplicaProcess replica : replicas) {
      replica.close();
    }
    if (appA != null) {
      appA.stop(0);
      appB.stop(0);
    }
    if (postgres != null) {
      postgres.close();
    }
  }

  @BeforeEach
  void everyReplicaUpAndTrafficFlowing() {
    replicas.forEach(this::awaitReady);
    traffic.forEach(Traffic::reset);
    traffic.forEach(t -> t.awaitMore(20));
  }

  @AfterEach
  void noRequestFailed() {
    traffic.forEach(t -> t.awaitMore(20));
    for (Traffic t : traffic) {
      assertThat(t.failures)
          .as("failed requests of %d through port %d", t.sent.get(), t.port)
          .isEmpty();
    }
  }

  @Test
  void killingAReplicaWithSigkillCostsNoRequestAndItsProxiesMoveToAnotherReplica()
      throws Exception {
    ReplicaProcess victim =
        replicas.stream()
            .max(Comparator.comparingInt(r -> connectedProxies(r).size()))
            .orElseThrow();
    Set<String> moving = connectedProxies(victim);
    assertThat(moving).as("proxies on %s", victim).isNotEmpty();

    victim.kill();
    traffic.forEach(t -> t.awaitMore(50));

    List<ReplicaProcess> survivors = replicas.stream().filter(r -> r != victim).toList();
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              Set<String> connected = new TreeSet<>();
              survivors.forEach(r -> connected.addAll(connectedProxies(r)));
              assertThat(connected).containsAll(moving);
            });
    // The moved proxies take the next change from a surviving replica.
    HttpServer next = lastApp().equals("a") ? appB : appA;
    route(survivors.get(0), next);
    awaitEveryProxyOn(next);

    victim.start();
    awaitReady(victim);
  }

  @Test
  void withPostgresStoppedReplicasKeepServingSay503AndTakeWritesAgainWhenItIsBack()
      throws Exception {
    ReplicaProcess writer = replicas.get(1);
    int revisionsBefore = json(writer.rest().get("/api/v1/revisions")).get("items").size();
    String servedBefore = lastApp();
    String token =
        json(writer.rest().post("/api/v1/identities/shop/orders/tokens")).get("token").asText();

    postgres.stop();
    for (ReplicaProcess replica : replicas) {
      await()
          .atMost(WAIT)
          .failFast(replica::assertAlive)
          .untilAsserted(() -> assertThat(replica.readiness()).isEqualTo(503));
      assertThat(json(replica.rest().get("/readyz")).get("status").asText())
          .isEqualTo("store_unavailable");
    }
    HttpResponse<String> refused = putRoute(writer, servedBefore.equals("a") ? appB : appA);
    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(json(refused).get("error").asText()).isEqualTo("unavailable");
    assertThat(json(refused).get("message").asText()).contains("nothing was written");
    try (AdsTestClient newcomer =
        AdsTestClient.withBearerToken(
            writer.xdsPort(), AdsTestClient.node("newcomer", "shop"), token)) {
      newcomer.request(Resources.V3.CLUSTER_TYPE_URL, "", "", List.of());
      assertThat(newcomer.nextError())
          .as("a token that cannot be checked now is a reason to retry, not a refusal")
          .extracting(io.grpc.Status::getCode)
          .isEqualTo(io.grpc.Status.Code.UNAVAILABLE);
    }
    traffic.forEach(t -> t.awaitMore(50));
    assertThat(lastApp()).as("the last snapshot keeps serving").isEqualTo(servedBefore);

    postgres.restart();
    replicas.forEach(this::awaitReady);
    HttpServer next = servedBefore.equals("a") ? appB : appA;
    route(replicas.get(2), next);
    awaitEveryProxyOn(next);
    assertThat(json(writer.rest().get("/api/v1/revisions")).get("items"))
        .as("the refused write left nothing behind; the one after it is there")
        .hasSize(revisionsBefore + 1);
  }

  @Test
  void aRollingRestartOfEveryReplicaUnderTrafficCostsNoRequestAndLosesNoWrite() throws Exception {
    List<String> acknowledged = new ArrayList<>();
    for (int i = 0; i < replicas.size(); i++) {
      ReplicaProcess restarting = replicas.get(i);
      ReplicaProcess writer = replicas.get((i + 1) % replicas.size());
      acknowledged.add(putMarker(writer));
      restarting.stop();
      acknowledged.add(putMarker(writer)); // accepted while a replica is down
      traffic.forEach(t -> t.awaitMore(20));
      restarting.start();
      awaitReady(restarting);
      acknowledged.add(putMarker(restarting)); // and through the restarted one
    }
    HttpServer next = lastApp().equals("a") ? appB : appA;
    route(replicas.get(0), next);
    awaitEveryProxyOn(next);
    for (ReplicaProcess replica : replicas) {
      Set<String> names = new TreeSet<>();
      json(replica.rest().get("/api/v1/services"))
          .get("items")
          .forEach(s -> names.add(s.get("name").asText()));
      assertThat(names).as("services on %s", replica).containsAll(acknowledged);
    }
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void awaitReady(ReplicaProcess replica) {
    await()
        .atMost(WAIT)
        .failFast(replica::assertAlive)
        .untilAsserted(() -> assertThat(replica.readiness()).as(replica::describe).isEqualTo(200));
  }

  private Set<String> connectedProxies(ReplicaProcess replica) {
    Set<String> ids = new TreeSet<>();
    try {
      json(replica.rest().get("/api/v1/proxies"))
          .get("items")
          .forEach(p -> ids.add(p.get("node_id").asText()));
    } catch (RuntimeException notAnswering) {
      // a replica that is down serves nobody
    }
    return ids;
  }

  /** A service no proxy routes to: an acknowledged write to look for afterwards. */
  private String putMarker(ReplicaProcess replica) {
    String name = "marker-" + (++writes);
    HttpResponse<String> response =
        replica
            .rest()
            .put(
                "/api/v1/services/" + name,
                "{\"port\": 8080, \"endpoints\": [{\"address\": \"127.0.0.1\", \"port\": 9}]}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    return name;
  }

  private void route(ReplicaProcess replica, HttpServer app) {
    HttpResponse<String> response = putRoute(replica, app);
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }

  private static HttpResponse<String> putRoute(ReplicaProcess replica, HttpServer app) {
    return replica
        .rest()
        .put(
            "/api/v1/services/orders",
            "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
                + " \"port\": "
                + app.getAddress().getPort()
                + "}]}");
  }

  private String lastApp() {
    return traffic.get(0).lastApp;
  }

  private void awaitEveryProxyOn(HttpServer app) {
    String name = app == appA ? "a" : "b";
    for (Traffic t : traffic) {
      await().atMost(WAIT).until(() -> t.lastApp.equals(name));
    }
  }

  private ProxyServer proxy(String nodeId, String apiType) throws Exception {
    StringBuilder servers = new StringBuilder();
    for (ReplicaProcess replica : replicas) {
      servers.append(
          "        - endpoint: { address: { socket_address: { address: 127.0.0.1, port_value: %d } } }\n"
              .formatted(replica.xdsPort()));
    }
    String bootstrap =
        """
        node:
          id: %s
          cluster: demo
          metadata: { attache.outbound_address: 127.0.0.1, attache.outbound_port: %d }
        admin: { address: { socket_address: { address: 127.0.0.1, port_value: 0 } } }
        dynamic_resources:
          ads_config:
            api_type: %s
            transport_api_version: V3
            grpc_services: [ { envoy_grpc: { cluster_name: xds } } ]
          lds_config: { ads: {}, resource_api_version: V3 }
          cds_config: { ads: {}, resource_api_version: V3 }
        static_resources:
          clusters:
          - name: xds
            type: STATIC
            connect_timeout: 1s
            http2_protocol_options: {}
            load_assignment:
              cluster_name: xds
              endpoints:
              - lb_endpoints:
        """
                .formatted(nodeId, freePort(), apiType)
            + servers;
    ProxyServer proxy =
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, Duration.ofSeconds(5)));
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().size() == 1);
    return proxy;
  }

  /** The proxy's outbound listener port (the control plane's listener needs a real one). */
  private static int freePort() throws IOException {
    try (java.net.ServerSocket socket =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static HttpServer app(String name) throws IOException {
    HttpServer app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext(
        "/",
        exchange -> {
          byte[] body = ("app " + name).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    app.start();
    return app;
  }

  /** One HTTP/1.1 request for the orders service through a proxy, over a plain socket. */
  private static String get(int port) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              "GET /x HTTP/1.1\r\nHost: orders\r\nConnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /**
   * Steady traffic through one proxy: about 100 requests a second on fresh connections, every
   * answer that is not a 200 from an app recorded. Bounded: it stops when told, or after 15
   * minutes, or after a million requests, whichever comes first.
   */
  private static final class Traffic {
    private static final long PACE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);
    private final int port;
    private final AtomicLong sent = new AtomicLong();
    private final List<String> failures = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private volatile boolean sending = true;
    private volatile String lastApp = "";

    Traffic(int port) {
      this.port = port;
      this.thread = new Thread(this::run, "traffic-" + port);
      thread.setDaemon(true);
      thread.start();
    }

    private void run() {
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
      for (int i = 0; i < 1_000_000 && sending && System.nanoTime() < deadline; i++) {
        try {
          String response = get(port);
          if (!response.startsWith("HTTP/1.1 200")) {
            failures.add(response.lines().findFirst().orElse("(empty)"));
          } else {
            lastApp = response.substring(response.length() - 1);
          }
        } catch (IOException e) {
          failures.add(e.toString());
        }
        sent.incrementAndGet();
        LockSupport.parkNanos(PACE_NANOS);
      }
    }

    void reset() {
      failures.clear();
    }

    void awaitMore(long more) {
      long target = sent.get() + more;
      await().atMost(WAIT).until(() -> sent.get() >= target);
    }

    void stop() {
      sending = false;
      try {
        thread.join(15_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
