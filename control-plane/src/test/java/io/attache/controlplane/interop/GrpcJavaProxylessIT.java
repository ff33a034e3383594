package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.controlplane.interop.TestBackend.Behaviour;
import io.attache.controlplane.interop.matrix.InteropColumn;
import io.attache.controlplane.interop.matrix.InteropFeature;
import io.attache.controlplane.interop.matrix.Verifies;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.stub.ClientCalls;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * grpc-java 1.85 proxyless clients (io.grpc:grpc-xds, in the test JVM) against the real control
 * plane: every {@link XdsClientScenarios} scenario, plus what only grpc-java is checked for here —
 * round robin, circuit breaking (A32) and failure-percentage outlier detection (A50), the last two
 * through raw resources the policy model cannot express.
 */
class GrpcJavaProxylessIT extends XdsClientScenarios {

  private GrpcJavaClient java;

  @Override
  public InteropColumn column() {
    return InteropColumn.GRPC_JAVA;
  }

  @BeforeEach
  void startClient(TestInfo test) throws Exception {
    String nodeId = nodeId(test);
    java = GrpcJavaClient.proxyless(nodeId, controlPlane.xdsPort(), dir);
    client = java;
  }

  @Test
  @Verifies(InteropFeature.ROUND_ROBIN)
  void roundRobinTakesEndpointsInTurn() {
    TestBackend a = backend("a");
    TestBackend b = backend("b");
    TestBackend c = backend("c");
    controlPlane.put("/api/v1/services/rr", service(a, b, c));
    awaitAnswers("rr", WHO, Map.of(), a, b, c);

    Map<String, Integer> seen = count(java.call("rr", WHO, Map.of(), 60));

    assertThat(seen).containsOnly(Map.entry("a", 20), Map.entry("b", 20), Map.entry("c", 20));
  }

  @Test
  @Verifies(InteropFeature.CIRCUIT_BREAKING)
  void circuitBreakerFailsCallsBeyondMaxRequestsWithUnavailable() throws Exception {
    TestBackend slow = backend("slow");
    // grpc-java 1.85 counts in-flight requests only for clusters that report load (its counting
    // stream tracer is installed only when lrs_server is set), so without lrs_server max_requests
    // is never enforced. The policy model has no load reporting; the raw escape hatch has.
    rawPool(
        "guarded",
        """
        "circuit_breakers": {"thresholds": [{"priority": "DEFAULT", "max_requests": 2}]},
        "lrs_server": {"self": {}}""",
        slow);
    ManagedChannel channel = java.channel("guarded");
    assertThat(java.callOnce("guarded", WHO, Map.of()).ok()).isTrue();
    slow.behave(Behaviour.HOLD);

    // Two calls admitted and held open by the backend, one at a time so each is in flight (and
    // counted by grpc-java's cluster_impl balancer) before the next one is picked.
    List<Future<byte[]>> admitted = new ArrayList<>();
    for (int i = 1; i <= 2; i++) {
      admitted.add(startCall(channel));
      int expected = i;
      await().atMost(Duration.ofSeconds(5)).until(() -> slow.held() == expected);
    }
    List<Status> rejected = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      rejected.add(statusOf(startCall(channel)));
    }
    slow.releaseHeld();
    List<Status.Code> admittedCodes = new ArrayList<>();
    for (Future<byte[]> future : admitted) {
      admittedCodes.add(statusOf(future).getCode());
    }

    assertThat(rejected)
        .extracting(Status::getCode)
        .containsExactly(Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE, Status.Code.UNAVAILABLE);
    assertThat(rejected)
        .extracting(Status::getDescription)
        .allMatch(d -> d.contains("max concurrent requests limit of 2 exceeded"));
    assertThat(admittedCodes).containsExactly(Status.Code.OK, Status.Code.OK);
    assertThat(slow.attempts(TestBackend.WHO))
        .as("1 warm-up + 2 admitted, none of the rejected")
        .isEqualTo(3);
  }

  @Test
  @Verifies(InteropFeature.OUTLIER_DETECTION)
  void outlierDetectionEjectsTheFailingBackendByFailurePercentage() {
    TestBackend good1 = backend("good1");
    TestBackend good2 = backend("good2");
    TestBackend bad = backend("bad");
    bad.behave(Behaviour.FAIL_UNAVAILABLE);
    // The policy model expresses Envoy's consecutive_5xx, which gRPC ignores (A50 implements
    // success-rate and failure-percentage ejection only); failure-percentage ejection is written
    // through the raw-resource escape hatch.
    rawPool(
        "od-target",
        """
        "outlier_detection": {"interval": "0.5s", "base_ejection_time": "30s",
          "max_ejection_percent": 50, "enforcing_success_rate": 0,
          "failure_percentage_threshold": 50, "enforcing_failure_percentage": 100,
          "failure_percentage_minimum_hosts": 3, "failure_percentage_request_volume": 10}""",
        good1,
        good2,
        bad);

    int calls = 0;
    int consecutiveOk = 0;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
    while (consecutiveOk < 30 && calls < 20_000 && System.nanoTime() < deadline) {
      consecutiveOk = java.callOnce("od-target", WHO, Map.of()).ok() ? consecutiveOk + 1 : 0;
      calls++;
    }
    int badBefore = bad.attempts(TestBackend.WHO);
    Map<String, Integer> after = count(java.call("od-target", WHO, Map.of(), 40));

    System.out.printf(
        "outlier detection: %d calls until 30 in a row succeeded; bad backend saw %d%n",
        calls, badBefore);
    assertThat(consecutiveOk).as("bad backend ejected within 15 s").isEqualTo(30);
    assertThat(badBefore).as("bad backend was tried before its ejection").isGreaterThan(0);
    assertThat(after).containsOnlyKeys("good1", "good2");
    assertThat(bad.attempts(TestBackend.WHO)).isEqualTo(badBefore);
  }

  /**
   * Raw resources for a target the policy model cannot express: an API listener named {@code
   * target}, its route configuration, a cluster (with the extra JSON members) and its endpoints.
   * The locality carries a load_balancing_weight, without which gRPC ignores it (A27).
   */
  private void rawPool(String target, String clusterExtra, TestBackend... endpoints) {
    String pool = target + "-pool";
    controlPlane.put(
        "/api/v1/raw/clusters/" + pool,
        """
        {"name": "%s", "type": "EDS",
         "eds_cluster_config": {"eds_config": {"ads": {}, "resource_api_version": "V3"}},
         "lb_policy": "ROUND_ROBIN", %s}"""
            .formatted(pool, clusterExtra));
    controlPlane.put(
        "/api/v1/raw/endpoints/" + pool,
        "{\"cluster_name\": \""
            + pool
            + "\", \"endpoints\": [{\"load_balancing_weight\": 1, \"lb_endpoints\": ["
            + Arrays.stream(endpoints)
                .map(GrpcJavaProxylessIT::lbEndpoint)
                .collect(Collectors.joining(", "))
            + "]}]}");
    controlPlane.put(
        "/api/v1/raw/routes/" + target + "-routes",
        """
        {"name": "%s-routes", "virtual_hosts": [{"name": "%s", "domains": ["%s"],
          "routes": [{"match": {"prefix": "/"}, "route": {"cluster": "%s"}}]}]}"""
            .formatted(target, target, target, pool));
    controlPlane.put("/api/v1/raw/listeners/" + target, apiListener(target, target + "-routes"));
  }

  private static String lbEndpoint(TestBackend backend) {
    return "{\"endpoint\": {\"address\": {\"socket_address\": {\"address\": \"127.0.0.1\","
        + " \"port_value\": "
        + backend.port()
        + "}}}}";
  }

  static String apiListener(String name, String routeConfig) {
    return """
        {"name": "%s", "api_listener": {"api_listener": {
          "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
          "stat_prefix": "%s",
          "rds": {"config_source": {"ads": {}, "resource_api_version": "V3"},
                  "route_config_name": "%s"},
          "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
            "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}}"""
        .formatted(name, name, routeConfig);
  }

  private static Future<byte[]> startCall(ManagedChannel channel) {
    return ClientCalls.futureUnaryCall(
        channel.newCall(
            TestBackend.WHO, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
        new byte[0]);
  }

  private static Status statusOf(Future<byte[]> future) throws Exception {
    try {
      future.get(10, TimeUnit.SECONDS);
      return Status.OK;
    } catch (ExecutionException e) {
      return Status.fromThrowable(e.getCause());
    }
  }
}
