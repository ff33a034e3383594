package io.attache.dataplane.hcm;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawSockets;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.testing.TestHttpServer.Reply;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HCM {@code add_user_agent} differentially: one bootstrap (a node with an id and a cluster, as the
 * grpc-bridge example's client has) through Attaché and a stock Envoy 1.40 against the same real
 * origin, comparing the {@code user-agent} and {@code x-envoy-downstream-service-*} headers the
 * origin saw — for an internal-by-default request (no {@code use_remote_address}) and, on a second
 * listener with {@code use_remote_address}, an edge request whose caller claims an identity.
 */
@ExtendWith(StockEnvoyExtension.class)
class UserAgentDifferentialIT {
  private static final String NODE = "node: { id: bridge-client-1, cluster: bridge-client }\n";
  private static final Set<String> COMPARED =
      Set.of(
          "user-agent",
          "x-envoy-downstream-service-cluster",
          "x-envoy-downstream-service-node",
          "x-envoy-internal");

  @TempDir Path dir;
  private TestHttpServer upstream;

  @BeforeEach
  void start() {
    upstream = TestHttpServer.http1(r -> Reply.ok(r.method() + " " + r.uri()));
  }

  @AfterEach
  void stop() {
    upstream.close();
  }

  /** Raw HTTP/1.1 requests: the JDK's client always sends a user-agent of its own. */
  private static Map<String, String> sequence() {
    Map<String, String> r = new LinkedHashMap<>();
    r.put("01 no user-agent", "");
    r.put("02 a caller's user-agent is kept", "user-agent: caller/1.0\r\n");
    r.put("03 an empty user-agent is replaced", "user-agent:\r\n");
    r.put(
        "04 a claimed identity is replaced",
        "x-envoy-downstream-service-cluster: spoofed\r\n"
            + "x-envoy-downstream-service-node: spoofed-node\r\n");
    return r;
  }

  /** Each request of the sequence on its own connection; the compared headers the origin saw. */
  private Map<String, Map<String, String>> sendEach(int port) throws Exception {
    Map<String, Map<String, String>> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : sequence().entrySet()) {
      int before = upstream.received().size();
      try (Socket s = RawSockets.connect(port, Duration.ofSeconds(10))) {
        s.getOutputStream()
            .write(
                ("GET /a HTTP/1.1\r\nhost: example.com\r\n"
                        + e.getValue()
                        + "connection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        String response =
            new String(RawSockets.readToEnd(s.getInputStream()), StandardCharsets.US_ASCII);
        assertThat(response).as(e.getKey()).startsWith("HTTP/1.1 200");
      }
      assertThat(upstream.received()).as(e.getKey()).hasSize(before + 1);
      var seen = upstream.received().get(before).headers();
      Map<String, String> compared = new TreeMap<>();
      for (String name : COMPARED) {
        if (seen.contains(name)) {
          compared.put(name, String.join(" | ", seen.getAll(name)));
        }
      }
      out.put(e.getKey(), compared);
    }
    return out;
  }

  private static String withSecondListener(String yaml, int upstreamPort) {
    String edge =
        bootstrap(
                "add_user_agent: true\nuse_remote_address: true",
                "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                staticCluster("backend", "", upstreamPort))
            .replace("- name: ingress", "- name: edge");
    String listener = edge.substring(edge.indexOf("  - name: edge"), edge.indexOf("  clusters:"));
    return yaml.replace("  clusters:", listener + "  clusters:");
  }

  @Test
  void addUserAgentSetsTheNodesIdentityAsEnvoyDoes(Envoy envoy) throws Exception {
    String yaml =
        NODE
            + withSecondListener(
                bootstrap(
                    "add_user_agent: true",
                    "- match: { prefix: \"/\" }\n  route: { cluster: backend }\n",
                    staticCluster("backend", "", upstream.port())),
                upstream.port());
    Map<String, Map<String, Map<String, String>>> attache = new LinkedHashMap<>();
    Map<String, Map<String, Map<String, String>>> stock = new LinkedHashMap<>();
    try (ProxyPair pair = ProxyPair.start(envoy, "user-agent", yaml, dir)) {
      for (String listener : new String[] {"ingress", "edge"}) {
        attache.put(listener, sendEach(pair.attache().port(listener)));
        stock.put(listener, sendEach(pair.envoy().port(listener)));
      }
    }

    assertThat(attache).as("Attaché vs %s", envoy.describe()).isEqualTo(stock);
    for (String listener : new String[] {"ingress", "edge"}) {
      Map<String, Map<String, String>> seen = attache.get(listener);
      assertThat(seen.get("01 no user-agent"))
          .as(listener)
          .containsEntry("user-agent", "bridge-client")
          .containsEntry("x-envoy-downstream-service-cluster", "bridge-client")
          .containsEntry("x-envoy-downstream-service-node", "bridge-client-1");
      assertThat(seen.get("02 a caller's user-agent is kept"))
          .as(listener)
          .containsEntry("user-agent", "caller/1.0");
      assertThat(seen.get("03 an empty user-agent is replaced"))
          .as(listener)
          .containsEntry("user-agent", "bridge-client");
      assertThat(seen.get("04 a claimed identity is replaced"))
          .as(listener)
          .containsEntry("x-envoy-downstream-service-cluster", "bridge-client")
          .containsEntry("x-envoy-downstream-service-node", "bridge-client-1");
    }
  }
}
