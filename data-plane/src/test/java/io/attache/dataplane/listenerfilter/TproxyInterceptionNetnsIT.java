package io.attache.dataplane.listenerfilter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.dataplane.cli.ProxyMain;
import io.attache.dataplane.iptables.IptablesMain;
import io.attache.netns.NetworkNamespace;
import io.attache.testing.netns.NetnsExtension;
import io.attache.testing.netns.NetnsScripts;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * TPROXY interception, the second mode, with nothing faked: an "app" namespace whose inbound TCP
 * the mangle table's TPROXY target delivers to the proxy's {@code transparent: true} listener on
 * 15006 (packets marked 1337 are routed locally by {@code ip rule} / {@code ip route local}, as
 * Istio's TPROXY mode does; {@code attache iptables --mode tproxy} installs it all), and a "remote"
 * namespace whose unmodified client calls the app's plain IP:port. The app listens on loopback
 * only, so an answer at all proves the capture; the proxy's chain, picked by the original
 * destination port, proves the socket saw the original destination. A proxy without CAP_NET_ADMIN
 * is refused at start with the reason. Needs root (see {@link NetnsExtension}); nothing touches the
 * host's namespace.
 */
@ExtendWith(NetnsExtension.class)
class TproxyInterceptionNetnsIT {

  private static final String APP_IP = "10.233.0.1";
  private static final String REMOTE_IP = "10.233.0.2";
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private NetworkNamespace app;
  private NetworkNamespace remote;

  @BeforeEach
  void namespaces() throws IOException {
    app = NetworkNamespace.create("attache-tpapp");
    remote = NetworkNamespace.create("attache-tpremote");
    NetworkNamespace.link(app, APP_IP + "/24", remote, REMOTE_IP + "/24");
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

  @Test
  void aTransparentListenerServesConnectionsTproxyDeliversToItByTheirOriginalDestination()
      throws Exception {
    startEcho(app, "127.0.0.1", 8080);
    app.start(java("-c", bootstrap().toString()).toArray(String[]::new));
    await()
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> call(app, "127.0.0.1", 15000, "/ready").startsWith("200"));
    tproxyInbound();

    String[] reply = call(remote, APP_IP, 8080, "/orders").split(" ", 2);

    assertThat(reply[0])
        .as("an app on loopback answered a call to %s: %s", APP_IP, reply[1])
        .isEqualTo("200");
    JsonNode headers = JSON.readTree(reply[1]).get("headers");
    assertThat(headers.path("x-served-by").asText())
        .as("the chain for the original destination's port")
        .isEqualTo("inbound|8080");
    assertThat(headers.path("x-request-id").asText()).isNotEmpty();
    assertThat(stat("listener.0.0.0.0_15006.downstream_cx_total")).isEqualTo(1);
    assertThat(stat("cluster.app.upstream_rq_200")).isEqualTo(1);
  }

  @Test
  void aTransparentListenerWithoutCapNetAdminIsRefusedAtStartWithTheReason() throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                "setpriv", "--bounding-set=-net_admin,-net_raw", "--inh-caps=-net_admin,-net_raw"));
    command.addAll(java("-c", bootstrap().toString()));

    NetworkNamespace.Output output = app.execAllowingFailure(command.toArray(String[]::new));

    assertThat(output.exitCode()).as(output.stdout() + output.stderr()).isNotZero();
    assertThat(output.stdout() + output.stderr())
        .contains("static_resources.listeners[0].transparent")
        .contains("CAP_NET_ADMIN");
  }

  // --- helpers ---

  /**
   * {@code attache iptables --mode tproxy} in the app namespace (Istio's TPROXY capture: packets of
   * sockets already open go to their socket, new inbound TCP is TPROXYed to 15006 and marked, and
   * marked packets are routed locally), root — the proxy's uid — exempt.
   */
  private void tproxyInbound() throws IOException {
    List<String> command = new ArrayList<>(java());
    command.set(command.size() - 1, IptablesMain.class.getName());
    command.addAll(List.of("--mode", "tproxy", "--proxy-uid", "0"));
    NetworkNamespace.Output output = app.execAllowingFailure(command.toArray(String[]::new));
    assertThat(output.exitCode()).as(output.stdout() + output.stderr()).isZero();
    assertThat(output.stdout()).contains("-j TPROXY --on-port 15006");
  }

  private Path bootstrap() throws IOException {
    Path file = dir.resolve("bootstrap.yaml");
    if (!Files.exists(file)) {
      try (InputStream in = getClass().getResourceAsStream("tproxy-inbound-bootstrap.yaml")) {
        Files.copy(in, file);
      }
    }
    return file;
  }

  private static List<String> java(String... args) {
    List<String> command =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                ProxyMain.class.getName()));
    command.addAll(List.of(args));
    return command;
  }

  private void startEcho(NetworkNamespace namespace, String address, int port) throws IOException {
    Process server =
        namespace.start(
            NetworkNamespace.python(),
            NetnsScripts.path("echo_server.py").toString(),
            address,
            Integer.toString(port),
            "600");
    StringBuilder line = new StringBuilder();
    int c;
    while ((c = server.getInputStream().read()) != -1 && c != '\n') {
      line.append((char) c);
    }
    assertThat(line.toString()).as("echo server on %d", port).isEqualTo("listening");
  }

  private String call(NetworkNamespace from, String host, int port, String path)
      throws IOException {
    return from.execAllowingFailure(
            NetworkNamespace.python(),
            NetnsScripts.path("http_call.py").toString(),
            host,
            Integer.toString(port),
            path)
        .stdout()
        .strip();
  }

  /** A counter from the proxy's admin endpoint (loopback, never captured). */
  private long stat(String name) throws IOException {
    String stats = call(app, "127.0.0.1", 15000, "/stats?filter=%5E" + name + "%24");
    for (String line : stats.split("\n")) {
      String trimmed = line.strip();
      if (trimmed.startsWith("200 ")) {
        trimmed = trimmed.substring(4);
      }
      if (trimmed.startsWith(name + ": ")) {
        return Long.parseLong(trimmed.substring(name.length() + 2).strip());
      }
    }
    throw new AssertionError("no stat " + name + " in: " + stats);
  }
}
