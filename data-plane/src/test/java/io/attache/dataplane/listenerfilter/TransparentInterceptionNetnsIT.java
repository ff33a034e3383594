package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.dataplane.cli.ProxyMain;
import io.attache.dataplane.iptables.IptablesMain;
import io.attache.netns.NetworkNamespace;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.attache.testing.netns.NetnsExtension;
import io.attache.testing.netns.NetnsScripts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Transparent interception end to end, with nothing faked: an "app" namespace whose TCP {@code
 * attache iptables} captures, the Attaché proxy running in it (its own traffic excluded by uid),
 * and a "remote" namespace on a veth pair (10.232.0.0/24) with HTTP servers. An unmodified client
 * (no proxy in its config, its own uid) calls plain IP:ports; the proxy learns each original
 * destination with {@code SO_ORIGINAL_DST}, picks the filter chain by it and applies the route's
 * policy — or, for a destination it knows nothing of, follows the traffic policy: ALLOW_ANY passes
 * the connection on through an ORIGINAL_DST cluster (no loop), REGISTRY_ONLY closes it. Needs root
 * (see {@link NetnsExtension}); nothing touches the host's namespace. Every scenario runs twice on
 * the same bootstrap and the same assertions: once with the Attaché proxy, once with a stock Envoy
 * in its place — the differential for {@code original_dst}, {@code use_original_dst} and {@code
 * ORIGINAL_DST} clusters.
 */
@ExtendWith({NetnsExtension.class, StockEnvoyExtension.class})
class TransparentInterceptionNetnsIT {

  private static final String APP_IP = "10.232.0.1";
  private static final String REMOTE_IP = "10.232.0.2";
  private static final long CLIENT_UID = 1000;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String ATTACHE = "attache";
  private static final String ENVOY = "envoy";

  @TempDir Path dir;

  private Envoy envoy;
  private NetworkNamespace app;
  private NetworkNamespace remote;

  @BeforeEach
  void namespaces(Envoy envoy) throws IOException {
    this.envoy = envoy;
    app = NetworkNamespace.create("attache-tapp");
    remote = NetworkNamespace.create("attache-tremote");
    NetworkNamespace.link(app, APP_IP + "/24", remote, REMOTE_IP + "/24");
    startEcho(remote, 8080);
    startEcho(remote, 9090);
  }

  @AfterEach
  void deleteNamespaces() {
    if (app != null) {
      app.close();
    }
    if (remote != null) {
      remote.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {ATTACHE, ENVOY})
  void anUnmodifiedClientCallingAPlainAddressGetsTheRoutesPolicyAndUnknownDestinationsPassThrough(
      String proxy) throws Exception {
    startProxy(proxy, "PassthroughCluster");
    intercept();

    String[] reply = call(REMOTE_IP, 8080, "/flaky").split(" ", 2);

    assertThat(reply[0]).as("retried past the first 503: %s", reply[1]).isEqualTo("200");
    JsonNode headers = JSON.readTree(reply[1]).get("headers");
    assertThat(headers.path("x-request-id").asText()).as("request id").isNotEmpty();
    assertThat(headers.path("traceparent").asText())
        .as("trace context")
        .matches("00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]");
    assertThat(stat("cluster.payments.upstream_rq_retry")).isEqualTo(1);

    String unknown = call(REMOTE_IP, 9090, "/anything");
    assertThat(unknown)
        .as("ALLOW_ANY: an address no chain claims goes on to where the app sent it")
        .startsWith("200 ");
    assertThat(JSON.readTree(unknown.split(" ", 2)[1]).get("headers").has("x-request-id"))
        .as("passed through as raw TCP, untouched")
        .isFalse();
    assertThat(stat("cluster.PassthroughCluster.upstream_cx_total"))
        .as("one upstream connection: the proxy's own connect was not captured again")
        .isEqualTo(1);
    assertThat(stat("cluster.PassthroughCluster.membership_total")).isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {ATTACHE, ENVOY})
  void aUseOriginalDstListenerHandsEachConnectionToTheListenerOnItsOriginalDestination(String proxy)
      throws Exception {
    startEcho(remote, 7070);
    startProxy(proxy, "use-original-dst-bootstrap.yaml", "PassthroughCluster");
    intercept();

    String[] exact = call(REMOTE_IP, 8080, "/flaky").split(" ", 2);
    assertThat(exact[0])
        .as("the exact-address listener's retry policy: %s", exact[1])
        .isEqualTo("200");
    assertThat(JSON.readTree(exact[1]).get("headers").path("x-served-by").asText())
        .isEqualTo(REMOTE_IP + "_8080");
    assertThat(stat("cluster.payments.upstream_rq_retry")).isEqualTo(1);

    String[] wildcard = call(REMOTE_IP, 9090, "/").split(" ", 2);
    assertThat(wildcard[0]).as(wildcard[1]).isEqualTo("200");
    assertThat(JSON.readTree(wildcard[1]).get("headers").path("x-served-by").asText())
        .as("no listener on the exact address: the wildcard one of the port")
        .isEqualTo("0.0.0.0_9090");

    String unowned = call(REMOTE_IP, 7070, "/");
    assertThat(unowned)
        .as("no listener owns it: the virtual listener's own chain")
        .startsWith("200 ");
    assertThat(JSON.readTree(unowned.split(" ", 2)[1]).get("headers").has("x-served-by")).isFalse();
    assertThat(stat("cluster.PassthroughCluster.upstream_cx_total")).isEqualTo(1);

    assertThat(stat("listener." + REMOTE_IP + "_8080.downstream_cx_total"))
        .as("a connection is counted by the listener that serves it")
        .isEqualTo(1);
    assertThat(stat("listener.0.0.0.0_9090.downstream_cx_total")).isEqualTo(1);
    assertThat(stat("listener.0.0.0.0_15001.downstream_cx_total"))
        .as("the virtual listener kept only the connection no other listener owns")
        .isEqualTo(1);
  }

  @ParameterizedTest
  @ValueSource(strings = {ATTACHE, ENVOY})
  void registryOnlyClosesAConnectionToAnAddressNoServiceOwns(String proxy) throws Exception {
    startProxy(proxy, "BlackHoleCluster");
    intercept();

    assertThat(call(REMOTE_IP, 9090, "/anything")).startsWith("ERROR");
    assertThat(stat("cluster.BlackHoleCluster.upstream_cx_none_healthy")).isEqualTo(1);
    assertThat(call(REMOTE_IP, 8080, "/")).as("a known service still works").startsWith("200 ");
  }

  // --- helpers ---

  private void startEcho(NetworkNamespace namespace, int port) throws IOException {
    Process server =
        namespace.start(
            NetworkNamespace.python(),
            NetnsScripts.path("echo_server.py").toString(),
            "0.0.0.0",
            Integer.toString(port),
            "600");
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = server.getInputStream().read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    assertThat(line.toString()).as("echo server on %d", port).isEqualTo("listening");
  }

  /** The proxy, as root (the uid iptables excludes), with the transparent outbound listener. */
  private void startProxy(String proxy, String unknownDestinations) throws IOException {
    startProxy(proxy, "transparent-bootstrap.yaml", unknownDestinations);
  }

  private void startProxy(String proxy, String resource, String unknownDestinations)
      throws IOException {
    String bootstrap;
    try (InputStream in = getClass().getResourceAsStream(resource)) {
      bootstrap =
          new String(in.readAllBytes(), StandardCharsets.UTF_8)
              .replace("${REMOTE_IP}", REMOTE_IP)
              .replace("${UNKNOWN}", unknownDestinations);
    }
    Path file = dir.resolve("bootstrap.yaml");
    Files.writeString(file, bootstrap);
    if (proxy.equals(ENVOY)) {
      Path binary =
          envoy
              .binaryPath()
              .orElseThrow(() -> new AssertionError("a stock Envoy binary, not a container"));
      app.start(
          List.of(
              binary.toString(),
              "-c",
              file.toString(),
              "--disable-hot-restart",
              "--concurrency",
              "1",
              "--log-level",
              "warning"),
          dir.resolve("envoy.log"));
    } else {
      app.start(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-XX:TieredStopAtLevel=1",
          "-cp",
          System.getProperty("java.class.path"),
          ProxyMain.class.getName(),
          "-c",
          file.toString());
    }
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> call("127.0.0.1", 15000, "/ready", null).startsWith("200"));
  }

  /** {@code attache iptables} in the app namespace, the proxy's uid (root) excluded. */
  private void intercept() throws IOException {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                IptablesMain.class.getName(),
                "--proxy-uid",
                "0"));
    NetworkNamespace.Output output = app.execAllowingFailure(command.toArray(String[]::new));
    assertThat(output.exitCode()).as(output.stdout() + output.stderr()).isZero();
  }

  /** The client, as an ordinary user whose traffic iptables captures. */
  private String call(String host, int port, String path) throws IOException {
    return call(host, port, path, CLIENT_UID);
  }

  private String call(String host, int port, String path, Long uid) throws IOException {
    List<String> command = new ArrayList<>();
    if (uid != null) {
      command.addAll(List.of("setpriv", "--reuid=" + uid, "--regid=" + uid, "--clear-groups"));
    }
    command.addAll(
        List.of(
            NetworkNamespace.python(),
            NetnsScripts.path("http_call.py").toString(),
            host,
            Integer.toString(port),
            path));
    return app.execAllowingFailure(command.toArray(String[]::new)).stdout().strip();
  }

  /** A counter or gauge from the proxy's admin endpoint (loopback, never captured). */
  private long stat(String name) throws IOException {
    String stats = call("127.0.0.1", 15000, "/stats?filter=%5E" + name + "%24", null);
    for (String line : stats.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith(name + ": ")) {
        return Long.parseLong(trimmed.substring(name.length() + 2).strip());
      }
      if (trimmed.startsWith("200 " + name + ": ")) {
        return Long.parseLong(trimmed.substring(name.length() + 6).strip());
      }
    }
    throw new AssertionError("no stat " + name + " in: " + stats);
  }
}
