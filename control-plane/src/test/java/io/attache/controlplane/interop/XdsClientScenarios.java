package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.interop.TestBackend.Behaviour;
import io.attache.controlplane.interop.matrix.InteropColumn;
import io.attache.controlplane.interop.matrix.InteropFeature;
import io.attache.controlplane.interop.matrix.InteropResults;
import io.attache.controlplane.interop.matrix.InteropSubject;
import io.attache.controlplane.interop.matrix.Verifies;
import io.envoyproxy.controlplane.cache.Resources;
import io.grpc.Status;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scenarios every column of the interop matrix runs, whatever the client: a fresh control plane
 * per test, configured only through REST, real gRPC backends ({@link TestBackend}), and a {@link
 * ClientUnderTest} that calls them. Each test observes one {@link InteropFeature} from the client's
 * side and the backends' side; {@link InteropResults} turns its outcome into the matrix cell. A
 * subclass only says how its client starts. Every loop is bounded by a count and a deadline; a wait
 * for config to arrive polls the real network (a proxy learns of a REST write some milliseconds
 * after it; a proxyless client resolves on its first call).
 */
@ExtendWith(InteropResults.class)
@Timeout(value = 3, unit = TimeUnit.MINUTES)
abstract class XdsClientScenarios implements InteropSubject {

  static final String WHO = "Who";
  static final String ADMIN = "Admin";
  private static final Map<String, String> NO_HEADERS = Map.of();
  private static final List<String> XDS_TYPES =
      List.of(
          Resources.V3.LISTENER_TYPE_URL,
          Resources.V3.ROUTE_TYPE_URL,
          Resources.V3.CLUSTER_TYPE_URL,
          Resources.V3.ENDPOINT_TYPE_URL);

  /** Kept when a test fails: its client's log and bootstrap are there. */
  @TempDir(cleanup = CleanupMode.ON_SUCCESS)
  Path dir;

  InteropControlPlane controlPlane;
  ClientUnderTest client;
  private final List<TestBackend> backends = new ArrayList<>();

  @Override
  public String clientVersion() {
    return client == null ? "unknown (the client did not start)" : client.version();
  }

  /**
   * Runs before each subclass's own {@code @BeforeEach}, which starts {@link #client} against
   * {@link #controlPlane} (with whatever parameters it needs, e.g. a stock Envoy) under {@link
   * #nodeId(TestInfo)}, and returns once the client can be called.
   */
  @BeforeEach
  void startControlPlane() throws Exception {
    controlPlane = InteropControlPlane.start(dir.resolve("data"));
  }

  /** The xDS node id of the client of one test: its column and the test's name. */
  String nodeId(TestInfo test) {
    return column().id() + "-" + test.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void stopAll() throws Exception {
    if (client != null) {
      client.close();
    }
    for (TestBackend backend : backends) {
      backend.close();
    }
    controlPlane.close();
  }

  @Test
  @Verifies(InteropFeature.XDS_RESOLUTION)
  void resolvesListenerRouteClusterAndEndpointsOfARestDefinedServiceAndAcksEveryType() {
    TestBackend a = backend("a");
    controlPlane.put("/api/v1/services/greeter", service(a));

    awaitAnswers("greeter", WHO, NO_HEADERS, a);

    assertThat(client.callOnce("greeter", WHO, NO_HEADERS)).isEqualTo(CallOutcome.answeredBy("a"));
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              JsonNode proxy = controlPlane.proxy(client.nodeId());
              assertThat(proxy).as("node %s connected", client.nodeId()).isNotNull();
              for (String type : XDS_TYPES) {
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
  @Verifies(InteropFeature.HEADER_MATCHING)
  void pathAndHeaderMatchesPickTheirRoutes() {
    TestBackend main = backend("main");
    TestBackend admin = backend("admin");
    TestBackend beta = backend("beta");
    controlPlane.put("/api/v1/services/portal", service(main));
    controlPlane.put("/api/v1/services/portal-admin", service(admin));
    controlPlane.put("/api/v1/services/portal-beta", service(beta));
    controlPlane.put(
        "/api/v1/routes/portal-admin",
        """
        {"hosts": ["portal"], "path_exact": "/attache.interop.Echo/Admin",
         "destinations": [{"service": "portal-admin"}]}""");
    controlPlane.put(
        "/api/v1/routes/portal-beta",
        """
        {"hosts": ["portal"], "path_prefix": "/attache.interop.Echo/",
         "headers": [{"name": "x-variant", "exact": "beta"}],
         "destinations": [{"service": "portal-beta"}]}""");
    awaitAnswers("portal", WHO, Map.of("x-variant", "beta"), beta);

    assertThat(client.callOnce("portal", WHO, NO_HEADERS))
        .isEqualTo(CallOutcome.answeredBy("main"));
    assertThat(client.callOnce("portal", ADMIN, NO_HEADERS))
        .isEqualTo(CallOutcome.answeredBy("admin"));
    assertThat(client.callOnce("portal", WHO, Map.of("x-variant", "beta")))
        .isEqualTo(CallOutcome.answeredBy("beta"));
    assertThat(client.callOnce("portal", WHO, Map.of("x-variant", "gamma")))
        .isEqualTo(CallOutcome.answeredBy("main"));
  }

  @Test
  @Verifies(InteropFeature.WEIGHTED_CLUSTERS)
  void weightedClustersSplitTrafficBetweenTwoServicesWithinTolerance() {
    TestBackend stable = backend("stable");
    TestBackend canary = backend("canary");
    controlPlane.put("/api/v1/services/shop", service(stable));
    controlPlane.put("/api/v1/services/shop-canary", service(canary));
    controlPlane.put(
        "/api/v1/routes/shop-split",
        """
        {"hosts": ["shop"], "path_prefix": "/",
         "destinations": [{"service": "shop", "weight": 80},
                          {"service": "shop-canary", "weight": 20}]}""");
    awaitAnswers("shop", WHO, NO_HEADERS, stable, canary);

    int calls = 1000;
    Map<String, Integer> seen = count(client.call("shop", WHO, NO_HEADERS, calls));

    // The client draws the cluster with its own unseeded random; 1000 calls at p = 0.2 give
    // sigma = 12.6 calls, so +-50 calls (5 points) is a 4-sigma band.
    double canaryShare = 100.0 * seen.getOrDefault("canary", 0) / calls;
    System.out.printf(
        "%s weighted clusters: calls=%d weights 80/20 observed=%s canary=%.1f%% tolerance=+-5"
            + " points%n",
        column().id(), calls, seen, canaryShare);
    assertThat(seen.keySet()).containsOnly("stable", "canary");
    assertThat(canaryShare).isBetween(15.0, 25.0);
  }

  @Test
  @Verifies(InteropFeature.FAULT_INJECTION)
  void faultInjectionAbortsTheConfiguredShareOfCallsBeforeTheUpstream() {
    TestBackend backend = backend("target");
    controlPlane.put("/api/v1/services/faulty", service(backend));
    awaitAnswers("faulty", WHO, NO_HEADERS, backend);
    controlPlane.put(
        "/api/v1/routes/faulty-abort",
        """
        {"hosts": ["faulty"], "path_prefix": "/",
         "destinations": [{"service": "faulty"}],
         "fault": {"abort_percent": 25, "abort_http_status": 503}}""");
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                count(client.call("faulty", WHO, NO_HEADERS, 40))
                    .containsKey(Status.Code.UNAVAILABLE.name()));
    int before = backend.attempts(TestBackend.WHO);

    int calls = 400;
    Map<String, Integer> seen = count(client.call("faulty", WHO, NO_HEADERS, calls));

    // p = 0.25 over 400 calls: sigma = 8.7 calls; +-40 calls (10 points) is a 4.6-sigma band.
    int aborted = seen.getOrDefault(Status.Code.UNAVAILABLE.name(), 0);
    System.out.printf(
        "%s fault injection: calls=%d abort 25%% (http 503 -> UNAVAILABLE) observed=%s"
            + " aborted=%.1f%% tolerance=+-10 points%n",
        column().id(), calls, seen, 100.0 * aborted / calls);
    assertThat(seen.keySet()).containsOnly("target", Status.Code.UNAVAILABLE.name());
    assertThat(aborted).isBetween(60, 140);
    assertThat(backend.attempts(TestBackend.WHO) - before)
        .as("aborted calls never reach the upstream")
        .isEqualTo(seen.get("target"));
  }

  @Test
  @Verifies(InteropFeature.RING_HASH)
  void ringHashOnAHeaderKeepsEveryKeyOnOneBackendAndSpreadsTheKeys() {
    TestBackend r1 = backend("r1");
    TestBackend r2 = backend("r2");
    TestBackend r3 = backend("r3");
    controlPlane.put("/api/v1/services/ring", service("\"lb_policy\": \"RING_HASH\"", r1, r2, r3));
    controlPlane.put(
        "/api/v1/routes/ring-by-user",
        """
        {"hosts": ["ring"], "path_prefix": "/", "destinations": [{"service": "ring"}],
         "hash_policy": [{"header": "x-user"}]}""");
    awaitAnswers("ring", WHO, Map.of("x-user", "user-0"));
    // The service's own route (no hash policy) may serve before the hash route arrives; a client
    // without a hash picks a random ring point. Wait until three keys each stay on one backend over
    // 8 calls: by chance that happens with probability (3 * 3^-8)^3, about 1e-8.
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () ->
                IntStream.range(0, 3)
                    .allMatch(
                        key ->
                            client.call("ring", WHO, Map.of("x-user", "warm-" + key), 8).stream()
                                    .map(CallOutcome::label)
                                    .distinct()
                                    .count()
                                == 1));

    Map<String, Set<String>> backendsByKey = new HashMap<>();
    for (int key = 0; key < 30; key++) {
      String user = "user-" + key;
      for (CallOutcome outcome : client.call("ring", WHO, Map.of("x-user", user), 6)) {
        backendsByKey.computeIfAbsent(user, k -> new HashSet<>()).add(outcome.label());
      }
    }

    Set<String> used =
        backendsByKey.values().stream().flatMap(Set::stream).collect(Collectors.toSet());
    System.out.printf("%s ring hash: 30 keys x 6 calls -> %s%n", column().id(), backendsByKey);
    assertThat(backendsByKey).allSatisfy((user, seen) -> assertThat(seen).as(user).hasSize(1));
    assertThat(used).isSubsetOf("r1", "r2", "r3").hasSizeGreaterThan(1);
  }

  @Test
  @Verifies(InteropFeature.ENDPOINT_REMOVAL)
  void removingAnEndpointThroughRestShiftsTrafficWithoutErrors() {
    TestBackend leaving = backend("leaving");
    TestBackend staying = backend("staying");
    if (column() == InteropColumn.GRPC_JAVA) {
      // The mesh defaults' breaker is sent as outlier detection; grpc-java 1.85.1's outlier
      // detection balancer throws for a call picked just before its endpoint was removed and the
      // call never completes (docs/testing.md, the flake). Without a breaker this checks the shift.
      controlPlane.put("/api/v1/defaults", "{}");
    }
    controlPlane.put("/api/v1/services/shrinking", service(leaving, staying));
    awaitAnswers("shrinking", WHO, NO_HEADERS, leaving, staying);

    controlPlane.put("/api/v1/services/shrinking", service(staying));
    List<CallOutcome> outcomes = new ArrayList<>();
    int onlyStaying = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (onlyStaying < 20 && outcomes.size() < 20_000 && System.nanoTime() < deadline) {
      CallOutcome outcome = client.callOnce("shrinking", WHO, NO_HEADERS);
      outcomes.add(outcome);
      onlyStaying = outcome.backend().equals("staying") ? onlyStaying + 1 : 0;
    }
    int leavingBefore = leaving.attempts(TestBackend.WHO);
    Map<String, Integer> after = count(client.call("shrinking", WHO, NO_HEADERS, 20));

    assertThat(outcomes.stream().filter(o -> !o.ok()).toList())
        .as("failed calls among %d while the endpoint left", outcomes.size())
        .isEmpty();
    assertThat(onlyStaying).isEqualTo(20);
    assertThat(after).containsOnly(Map.entry("staying", 20));
    assertThat(leaving.attempts(TestBackend.WHO)).isEqualTo(leavingBefore);
  }

  @Test
  @Verifies(InteropFeature.NACK_KEEPS_LAST_GOOD)
  void aClusterTheClientCannotHonourIsNackedAndTheLastGoodConfigKeepsServing() {
    TestBackend backend = backend("kept");
    controlPlane.put("/api/v1/services/nacked", service(backend));
    awaitAnswers("nacked", WHO, NO_HEADERS, backend);

    makeUnhonourable("nacked", backend);

    await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              JsonNode proxy = controlPlane.proxy(client.nodeId());
              assertThat(proxy).as("node %s connected", client.nodeId()).isNotNull();
              JsonNode cds = proxy.get("types").get(Resources.V3.CLUSTER_TYPE_URL);
              assertThat(cds).as("CDS status").isNotNull();
              assertThat(cds.get("last_nack").isNull()).as("CDS NACKed").isFalse();
              // Each client words it its own way (grpc-js names the resource by its index).
              assertThat(cds.get("last_nack").get("error_detail").asText()).isNotBlank();
              assertThat(cds.get("last_acked_version").asText())
                  .isNotEmpty()
                  .isNotEqualTo(cds.get("last_nack").get("version").asText());
            });
    System.out.printf(
        "%s NACK: %s%n",
        column().id(),
        controlPlane
            .proxy(client.nodeId())
            .get("types")
            .get(Resources.V3.CLUSTER_TYPE_URL)
            .get("last_nack")
            .get("error_detail")
            .asText());
    int before = backend.attempts(TestBackend.WHO);
    List<CallOutcome> afterNack = client.call("nacked", WHO, NO_HEADERS, 20);

    assertThat(afterNack).containsOnly(CallOutcome.answeredBy("kept"));
    assertThat(backend.attempts(TestBackend.WHO) - before).isEqualTo(20);
  }

  /**
   * Writes, through REST, a cluster this client must NACK, sent to it with the working one of
   * {@code service}: here the service itself with {@code lb_policy: MAGLEV}, a valid Envoy value
   * (the API accepts it) that neither gRPC nor the Attaché proxy implements.
   */
  void makeUnhonourable(String service, TestBackend backend) {
    controlPlane.put("/api/v1/services/" + service, service("\"lb_policy\": \"MAGLEV\"", backend));
  }

  @Test
  @Verifies(InteropFeature.RETRY_UNAVAILABLE)
  void retriesUnavailableNumRetriesTimesOnlyWhenRetryOnNamesUnavailable() {
    TestBackend flaky = backend("flaky");
    TestBackend plain = backend("plain");
    controlPlane.put(
        "/api/v1/services/flaky",
        service(
            """
            "retry": {"retry_on": ["unavailable"], "num_retries": 3,
                      "backoff_base_interval": "0.01s", "backoff_max_interval": "0.05s",
                      "idempotency": "ANY_REQUEST"}""",
            flaky));
    // ANY_REQUEST: every gRPC call is a POST, which the mesh default's idempotency rule
    // (retriable_request_headers) keeps a proxy from retrying; proxyless gRPC ignores that rule.
    // The built-in mesh default retries on HTTP conditions only (connect-failure, 429, 503...):
    // none of them is a gRPC status, so per A44 gRPC does not retry at all, and a proxy sees a
    // 200 with grpc-status 14, which none of them names either.
    controlPlane.put("/api/v1/services/plain", service(plain));
    awaitAnswers("flaky", WHO, NO_HEADERS, flaky);
    awaitAnswers("plain", WHO, NO_HEADERS, plain);
    flaky.behave(Behaviour.FAIL_UNAVAILABLE);
    plain.behave(Behaviour.FAIL_UNAVAILABLE);
    int flakyBefore = flaky.attempts(TestBackend.WHO);
    int plainBefore = plain.attempts(TestBackend.WHO);

    CallOutcome retried = client.callOnce("flaky", WHO, NO_HEADERS);
    CallOutcome notRetried = client.callOnce("plain", WHO, NO_HEADERS);

    assertThat(retried.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(flaky.attempts(TestBackend.WHO) - flakyBefore)
        .as("1 attempt + 3 retries")
        .isEqualTo(4);
    assertThat(notRetried.code()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(plain.attempts(TestBackend.WHO) - plainBefore).as("no retry").isEqualTo(1);
  }

  @Test
  @Verifies(InteropFeature.BREAKER_TICKS)
  void theMeshBreakersOutlierDetectionTicksWithoutDisturbingCalls() {
    TestBackend a = backend("a");
    TestBackend b = backend("b");
    // The breaker's window is outlier detection's interval: ten ticks a second. gRPC implements
    // none of the mesh default's consecutive_5xx (A50) but runs the detector for the success-rate
    // fields the control plane writes out; grpc-js-xds 1.14 used to die on the first tick.
    controlPlane.put(
        "/api/v1/services/ticking", service("\"breaker\": {\"window\": \"0.1s\"}", a, b));
    awaitAnswers("ticking", WHO, NO_HEADERS, a, b);

    List<CallOutcome> outcomes = new ArrayList<>();
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(1);
    while (System.nanoTime() < end && outcomes.size() < 5_000) {
      outcomes.addAll(client.call("ticking", WHO, NO_HEADERS, 10));
    }

    assertThat(outcomes.stream().filter(o -> !o.ok()).toList())
        .as("failed calls among %d over 1 s of detector ticks", outcomes.size())
        .isEmpty();
    assertThat(client.callOnce("ticking", WHO, NO_HEADERS).ok()).as("still up").isTrue();
  }

  // --- helpers ---

  TestBackend backend(String name) {
    try {
      TestBackend backend = TestBackend.start(name);
      backends.add(backend);
      return backend;
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * Calls until each of {@code expected} has answered once (at least one successful call when none
   * is named), bounded by 20 s: the client has the config the test just wrote.
   */
  void awaitAnswers(
      String target, String method, Map<String, String> headers, TestBackend... expected) {
    Set<String> seen = new HashSet<>();
    List<CallOutcome> last = new ArrayList<>();
    Set<String> wanted = Arrays.stream(expected).map(TestBackend::name).collect(Collectors.toSet());
    try {
      await()
          .atMost(Duration.ofSeconds(20))
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(
              () -> {
                CallOutcome outcome = client.callOnce(target, method, headers);
                last.add(outcome);
                if (outcome.ok()) {
                  seen.add(outcome.backend());
                }
                return wanted.isEmpty() ? !seen.isEmpty() : seen.containsAll(wanted);
              });
    } catch (ConditionTimeoutException e) {
      throw new AssertionError(
          "%s: no answers from %s within 20 s; %d calls, the last: %s"
              .formatted(
                  target,
                  wanted,
                  last.size(),
                  last.subList(Math.max(0, last.size() - 3), last.size())),
          e);
    }
  }

  /** Calls per backend name, failed calls per status code name. */
  static Map<String, Integer> count(List<CallOutcome> outcomes) {
    Map<String, Integer> seen = new HashMap<>();
    for (CallOutcome outcome : outcomes) {
      seen.merge(outcome.label(), 1, Integer::sum);
    }
    return seen;
  }

  static String service(TestBackend... endpoints) {
    return service("", endpoints);
  }

  /** A GRPC service whose endpoints are the given backends, plus extra JSON members if any. */
  static String service(String extra, TestBackend... endpoints) {
    String list =
        Arrays.stream(endpoints)
            .map(b -> "{\"address\": \"127.0.0.1\", \"port\": " + b.port() + "}")
            .collect(Collectors.joining(", "));
    return "{\"port\": 50051, \"protocol\": \"GRPC\", \"endpoints\": ["
        + list
        + "]"
        + (extra.isEmpty() ? "" : ", " + extra)
        + "}";
  }
}
