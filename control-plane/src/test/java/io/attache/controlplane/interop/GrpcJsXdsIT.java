package io.attache.controlplane.interop;

import static io.attache.controlplane.interop.GrpcJavaProxylessIT.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.controlplane.interop.TestBackend.Behaviour;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * grpc-js-xds (Node, versions pinned in interop/grpc-js/package-lock.json) as a proxyless client of
 * the real control plane: the same routing and retry checks as {@link GrpcJavaProxylessIT}. The
 * test installs the Node packages itself with {@code npm ci}; without node and npm on PATH it fails
 * — it never skips, because a skipped interop test proves nothing.
 */
class GrpcJsXdsIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Path PROJECT = locateNodeProject();

  @TempDir Path dir;

  private InteropControlPlane controlPlane;
  private String nodeId;
  private final List<TestBackend> backends = new ArrayList<>();
  private final List<ChildProcess> processes = new ArrayList<>();

  @BeforeAll
  static void installPinnedNodePackages() throws Exception {
    Path installed = PROJECT.resolve("node_modules/.package-lock.json");
    Path lock = PROJECT.resolve("package-lock.json");
    if (Files.exists(installed)
        && Files.getLastModifiedTime(installed).compareTo(Files.getLastModifiedTime(lock)) >= 0) {
      return;
    }
    ProcessBuilder npm =
        new ProcessBuilder("npm", "ci", "--no-audit", "--no-fund")
            .directory(PROJECT.toFile())
            .redirectErrorStream(true)
            .redirectOutput(PROJECT.resolve("npm-ci.log").toFile());
    Process process;
    try {
      process = npm.start();
    } catch (IOException e) {
      throw new AssertionError(
          "npm is not on PATH: GrpcJsXdsIT needs Node.js (>= 18) and npm to install"
              + " @grpc/grpc-js-xds; install them, this test does not skip",
          e);
    }
    boolean done = process.waitFor(5, java.util.concurrent.TimeUnit.MINUTES);
    if (!done) {
      process.destroyForcibly();
    }
    assertThat(done && process.exitValue() == 0)
        .as("npm ci in %s: %s", PROJECT, Files.readString(PROJECT.resolve("npm-ci.log")))
        .isTrue();
  }

  @BeforeEach
  void start(TestInfo test) throws Exception {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
    nodeId = "grpc-js-" + test.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stop() throws Exception {
    for (ChildProcess process : processes) {
      process.close();
    }
    for (TestBackend backend : backends) {
      backend.close();
    }
    controlPlane.close();
  }

  @Test
  void pathAndHeaderMatchesPickTheirRoutes() throws Exception {
    TestBackend main = backend("main");
    TestBackend admin = backend("admin");
    TestBackend beta = backend("beta");
    controlPlane.put("/api/v1/services/js-portal", service(main));
    controlPlane.put("/api/v1/services/js-portal-admin", service(admin));
    controlPlane.put("/api/v1/services/js-portal-beta", service(beta));
    controlPlane.put(
        "/api/v1/routes/js-portal-admin",
        """
        {"hosts": ["js-portal"], "path_exact": "/attache.interop.Echo/Admin",
         "destinations": [{"service": "js-portal-admin"}]}""");
    controlPlane.put(
        "/api/v1/routes/js-portal-beta",
        """
        {"hosts": ["js-portal"], "path_prefix": "/attache.interop.Echo/",
         "headers": [{"name": "x-variant", "exact": "beta"}],
         "destinations": [{"service": "js-portal-beta"}]}""");

    List<JsonNode> calls =
        run(
            """
            {"target": "js-portal", "steps": [
              {"method": "Who"},
              {"method": "Admin"},
              {"method": "Who", "headers": {"x-variant": "beta"}},
              {"method": "Who", "headers": {"x-variant": "gamma"}}]}""");

    assertThat(calls).extracting(c -> c.get("code").asInt()).containsOnly(0);
    assertThat(calls)
        .extracting(c -> c.get("backend").asText())
        .containsExactly("main", "admin", "beta", "main");
  }

  @Test
  void retriesAnUnavailableBackendNumRetriesTimesWhenRetryOnNamesUnavailable() throws Exception {
    TestBackend flaky = backend("flaky");
    TestBackend plain = backend("plain");
    flaky.behave(Behaviour.FAIL_UNAVAILABLE);
    plain.behave(Behaviour.FAIL_UNAVAILABLE);
    controlPlane.put(
        "/api/v1/services/js-flaky",
        service(
            """
            "retry": {"retry_on": ["unavailable"], "num_retries": 3,
                      "backoff_base_interval": "0.01s", "backoff_max_interval": "0.05s"}""",
            flaky));
    controlPlane.put("/api/v1/services/js-plain", service(plain));

    List<JsonNode> retried = run("{\"target\": \"js-flaky\", \"steps\": [{\"method\": \"Who\"}]}");
    List<JsonNode> notRetried =
        run("{\"target\": \"js-plain\", \"steps\": [{\"method\": \"Who\"}]}");

    int unavailable = 14;
    assertThat(retried).extracting(c -> c.get("code").asInt()).containsExactly(unavailable);
    assertThat(flaky.attempts(TestBackend.WHO)).as("1 attempt + 3 retries").isEqualTo(4);
    assertThat(notRetried).extracting(c -> c.get("code").asInt()).containsExactly(unavailable);
    assertThat(plain.attempts(TestBackend.WHO)).as("HTTP-only retry_on: no retry").isEqualTo(1);
  }

  /** Runs the Node client on one scenario (bounded to 60 s) and returns its per-call lines. */
  private List<JsonNode> run(String scenario) throws Exception {
    Path bootstrap =
        Files.writeString(
            dir.resolve(nodeId + "-" + processes.size() + ".json"),
            """
            {"xds_servers": [{"server_uri": "127.0.0.1:%d", "channel_creds": [{"type": "insecure"}],
                              "server_features": ["xds_v3"]}],
             "node": {"id": "%s", "cluster": "interop-grpc-js", "locality": {"zone": "test"}}}
            """
                .formatted(controlPlane.xdsPort(), nodeId + "-" + processes.size()));
    ChildProcess node =
        ChildProcess.start(
            nodeId + "-" + processes.size(),
            dir,
            Map.of("GRPC_XDS_BOOTSTRAP", bootstrap.toString()),
            List.of(
                "node",
                PROJECT.resolve("xds-client.js").toString(),
                JSON.readTree(scenario).toString()));
    processes.add(node);
    assertThat(node.waitFor(Duration.ofSeconds(60))).as(node.describe()).isZero();
    List<JsonNode> calls = new ArrayList<>();
    for (String line : node.output().split("\n")) {
      if (line.startsWith("{\"step\"")) {
        calls.add(JSON.readTree(line));
      }
    }
    assertThat(node.output()).as(node.describe()).contains("{\"done\":true}");
    return calls;
  }

  private TestBackend backend(String name) throws Exception {
    TestBackend backend = TestBackend.start(name);
    backends.add(backend);
    return backend;
  }

  /** interop/grpc-js next to the control-plane module (Failsafe runs in the module directory). */
  private static Path locateNodeProject() {
    Path here = Path.of("").toAbsolutePath();
    for (Path candidate :
        List.of(here.resolve("interop/grpc-js"), here.resolveSibling("interop/grpc-js"))) {
      if (Files.exists(candidate.resolve("package-lock.json"))) {
        return candidate;
      }
    }
    throw new AssertionError("interop/grpc-js not found from " + here);
  }
}
