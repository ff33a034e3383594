package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.interop.HttpProbe.Reply;
import io.envoyproxy.controlplane.cache.Resources;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.Slf4jLogConsumer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.images.builder.Transferable;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.utility.DockerImageName;

/**
 * Stock Envoy, in a container, fed over ADS by the real control plane: every resource type ACKed,
 * routes, retries, outlier ejection and the default mesh policy's idempotency rule, observed from
 * the client and from the upstream. The container uses host networking (a Linux Docker engine), so
 * Envoy reaches the control plane and the backends on 127.0.0.1 and serves the outbound listener on
 * 127.0.0.1:15001. Skipped, with a printed reason, where no Docker engine exists.
 *
 * <p>Run: {@code mvn -B verify -pl control-plane -am -Dit.test=StockEnvoyIT -Dtest=none
 * -Dsurefire.failIfNoSpecifiedTests=false}. The image is {@value #DEFAULT_IMAGE}, the Envoy release
 * whose API java-control-plane 1.0.49 ships; override with -Dattache.envoy.image=...
 */
@ExtendWith(DockerAvailability.class)
@Testcontainers(disabledWithoutDocker = true)
class StockEnvoyIT {

  static final String DEFAULT_IMAGE = "envoyproxy/envoy:v1.34.10";
  private static final int OUTBOUND_PORT = 15001;

  @TempDir Path dir;

  private InteropControlPlane controlPlane;
  private GenericContainer<?> envoy;
  private String nodeId;
  private int adminPort;
  private final List<HttpBackend> backends = new ArrayList<>();

  @BeforeEach
  void startControlPlane(TestInfo test) throws Exception {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    nodeId = "stock-envoy-" + test.getTestMethod().orElseThrow().getName();
    adminPort = ChildProcess.freePort();
  }

  @AfterEach
  void stop() {
    if (envoy != null) {
      envoy.stop();
    }
    backends.forEach(HttpBackend::close);
    controlPlane.close();
  }

  @Test
  void acksEveryResourceTypeOfTheGeneratedConfig() throws Exception {
    HttpBackend web = backend("web");
    controlPlane.put("/api/v1/services/web", service(web));

    startEnvoy();

    await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              JsonNode proxy = controlPlane.proxy(nodeId);
              assertThat(proxy).isNotNull();
              assertThat(proxy.get("user_agent").asText()).isEqualTo("envoy");
              for (String type :
                  List.of(
                      Resources.V3.CLUSTER_TYPE_URL,
                      Resources.V3.ENDPOINT_TYPE_URL,
                      Resources.V3.LISTENER_TYPE_URL,
                      Resources.V3.ROUTE_TYPE_URL)) {
                JsonNode status = proxy.get("types").get(type);
                assertThat(status).as(type).isNotNull();
                assertThat(status.get("last_acked_version").asText())
                    .as(type)
                    .isNotEmpty()
                    .isEqualTo(status.get("last_sent_version").asText());
                assertThat(status.get("last_nack").isNull()).as(type).isTrue();
              }
            });
  }

  @Test
  void routesByPathToTheirServices() throws Exception {
    HttpBackend web = backend("web");
    HttpBackend api = backend("api");
    controlPlane.put("/api/v1/services/web", service(web));
    controlPlane.put("/api/v1/services/web-api", service(api));
    controlPlane.put(
        "/api/v1/routes/web-api",
        """
        {"hosts": ["web"], "path_prefix": "/api/", "destinations": [{"service": "web-api"}]}""");
    startEnvoy();

    awaitRoutable("web", "/");

    assertThat(HttpProbe.send(OUTBOUND_PORT, "GET", "web", "/")).isEqualTo(new Reply(200, "web"));
    assertThat(HttpProbe.send(OUTBOUND_PORT, "GET", "web", "/api/orders"))
        .isEqualTo(new Reply(200, "api"));
    assertThat(HttpProbe.send(OUTBOUND_PORT, "GET", "web:8080", "/api/orders"))
        .isEqualTo(new Reply(200, "api"));
  }

  @Test
  void retriesA503TheConfiguredNumberOfTimes() throws Exception {
    HttpBackend flaky = backend("flaky");
    controlPlane.put("/api/v1/services/flaky", service("\"retry\": {\"num_retries\": 3}", flaky));
    startEnvoy();
    awaitRoutable("flaky", "/");
    flaky.answer(503);
    int before = flaky.attempts("GET");

    Reply reply = HttpProbe.send(OUTBOUND_PORT, "GET", "flaky", "/");

    assertThat(reply.status()).isEqualTo(503);
    assertThat(flaky.attempts("GET") - before).as("1 attempt + 3 retries").isEqualTo(4);
  }

  @Test
  void defaultMeshPolicyRetriesOnlyIdempotentRequestsOrThoseWithAnIdempotencyKey()
      throws Exception {
    HttpBackend upstream = backend("upstream");
    controlPlane.put("/api/v1/services/orders", service(upstream));
    startEnvoy();
    awaitRoutable("orders", "/");
    upstream.answer(503);

    int getBefore = upstream.attempts("GET");
    HttpProbe.send(OUTBOUND_PORT, "GET", "orders", "/");
    int gets = upstream.attempts("GET") - getBefore;
    HttpProbe.send(OUTBOUND_PORT, "POST", "orders", "/");
    int postsWithoutKey = upstream.attempts("POST");
    HttpProbe.send(OUTBOUND_PORT, "POST", "orders", "/", "idempotency-key", "k-1");
    int postsWithKey = upstream.attempts("POST") - postsWithoutKey;

    assertThat(gets).as("GET is idempotent: 1 + num_retries 2").isEqualTo(3);
    assertThat(postsWithoutKey).as("POST without idempotency-key: never retried").isEqualTo(1);
    assertThat(postsWithKey).as("POST with idempotency-key: retried").isEqualTo(3);
  }

  @Test
  void ejectsAFailingEndpointByConsecutiveFailures() throws Exception {
    HttpBackend good = backend("good");
    HttpBackend bad = backend("bad");
    bad.answer(500);
    controlPlane.put(
        "/api/v1/services/pool",
        service(
            """
            "breaker": {"consecutive_failures": 3, "window": "0.5s", "sleep_window": "30s",
                        "max_ejection_percent": 50}""",
            good,
            bad));
    startEnvoy();
    awaitRoutable("pool", "/");

    await()
        .atMost(Duration.ofSeconds(20))
        .pollDelay(Duration.ZERO)
        .until(
            () -> {
              HttpProbe.send(OUTBOUND_PORT, "GET", "pool", "/");
              return stat("cluster.pool.outlier_detection.ejections_enforced_total") >= 1;
            });
    int badBefore = bad.attempts();
    List<Reply> after = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      after.add(HttpProbe.send(OUTBOUND_PORT, "GET", "pool", "/"));
    }

    assertThat(after).containsOnly(new Reply(200, "good"));
    assertThat(bad.attempts()).isEqualTo(badBefore);
  }

  // --- helpers ---

  private void startEnvoy() throws IOException {
    String bootstrap;
    try (InputStream in = getClass().getResourceAsStream("/interop/envoy-ads-bootstrap.yaml")) {
      bootstrap =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("${NODE_ID}", nodeId)
              .replace("${NODE_CLUSTER}", "stock-envoy")
              .replace("${ADMIN_PORT}", Integer.toString(adminPort))
              .replace("${XDS_PORT}", Integer.toString(controlPlane.xdsPort()));
    }
    envoy =
        new GenericContainer<>(
                DockerImageName.parse(System.getProperty("attache.envoy.image", DEFAULT_IMAGE)))
            .withNetworkMode("host")
            .withCopyToContainer(Transferable.of(bootstrap), "/etc/envoy/attache.yaml")
            .withCommand("-c", "/etc/envoy/attache.yaml", "-l", "info")
            .withLogConsumer(new Slf4jLogConsumer(org.slf4j.LoggerFactory.getLogger("envoy")))
            .waitingFor(
                Wait.forLogMessage(".*starting main dispatch loop.*", 1)
                    .withStartupTimeout(Duration.ofSeconds(60)));
    envoy.start();
  }

  private void awaitRoutable(String host, String path) {
    await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(() -> HttpProbe.send(OUTBOUND_PORT, "GET", host, path).status() != 404);
  }

  private long stat(String name) throws Exception {
    HttpResponse<String> response =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            "http://127.0.0.1:" + adminPort + "/stats?filter=^" + name + "$"))
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    String line = response.body().trim();
    return line.isEmpty() ? 0 : Long.parseLong(line.substring(line.lastIndexOf(' ') + 1));
  }

  private HttpBackend backend(String name) throws IOException {
    HttpBackend backend = HttpBackend.start(name);
    backends.add(backend);
    return backend;
  }

  private static String service(HttpBackend... endpoints) {
    return service("", endpoints);
  }

  /** An HTTP1 service whose endpoints are the given backends, plus extra JSON members if any. */
  private static String service(String extra, HttpBackend... endpoints) {
    return "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": ["
        + java.util.Arrays.stream(endpoints)
            .map(b -> "{\"address\": \"127.0.0.1\", \"port\": " + b.port() + "}")
            .collect(Collectors.joining(", "))
        + "]"
        + (extra.isEmpty() ? "" : ", " + extra)
        + "}";
  }
}
