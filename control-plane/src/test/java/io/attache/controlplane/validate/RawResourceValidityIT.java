package io.attache.controlplane.validate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.interop.InteropControlPlane;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.validate.RawResourceGenerator.Case;
import io.attache.controlplane.validate.RawResourceGenerator.Kind;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The REST validator agrees with Envoy, property-style: a few hundred generated and mutated raw
 * resources (seeded; the seed is printed, {@code -Dattache.validity.seed} replays or explores,
 * {@code -Dattache.validity.cases} sizes the run) are written through {@code /api/v1/raw/...} while
 * a real Envoy is subscribed. Whatever the API accepts is pushed to Envoy and must be ACKed; so
 * whatever Envoy NACKs, the API must have refused. Refusals are counted by reason, not judged: the
 * API may be stricter than Envoy. Talks to the control plane only through REST and its proxy
 * status.
 */
@ExtendWith(StockEnvoyExtension.class)
class RawResourceValidityIT {

  private static final long DEFAULT_SEED = 20261206L;
  private static final String NODE = "validity-envoy";

  @TempDir Path dir;

  /** What happened to one accepted case. */
  record Verdict(boolean acked, String nackDetail) {}

  @Test
  void whateverTheRestApiAcceptsARealEnvoyAcks(Envoy envoy) throws Exception {
    long seed = Long.getLong("attache.validity.seed", DEFAULT_SEED);
    int cases = Integer.getInteger("attache.validity.cases", 300);
    System.out.printf(
        "RawResourceValidityIT: seed %d, %d cases (replay: -Dattache.validity.seed=%d)%n",
        seed, cases, seed);

    try (InteropControlPlane controlPlane = InteropControlPlane.start(dir.resolve("data"))) {
      RestClient rest = new RestClient(controlPlane.httpPort());
      putFixtures(controlPlane);
      RunningEnvoy running =
          envoy.start(NODE, bootstrap(controlPlane.xdsPort()), dir.resolve("envoy"));
      awaitAllAcked(controlPlane, running);

      RawResourceGenerator generator = new RawResourceGenerator(seed);
      Map<Kind, int[]> acceptedByKind = new TreeMap<>();
      Map<String, Integer> refusals = new TreeMap<>();
      List<String> disagreements = new ArrayList<>();
      long started = System.nanoTime();
      for (int i = 0; i < cases; i++) {
        Case c = generator.next(i);
        String path = "/api/v1/raw/" + c.kind().rest + "/" + c.name();
        JsonNode before = typeStatus(controlPlane, c.kind());
        HttpResponse<String> response = rest.put(path, c.body().toString());
        if (response.statusCode() >= 300) {
          refusals.merge(c.kind().rest + " " + response.statusCode(), 1, Integer::sum);
          continue;
        }
        acceptedByKind.computeIfAbsent(c.kind(), k -> new int[1])[0]++;
        Verdict verdict = awaitVerdict(controlPlane, running, c.kind(), before);
        if (!verdict.acked()) {
          disagreements.add(
              c.describe()
                  + "\n    REST accepted: "
                  + c.body()
                  + "\n    Envoy NACKed: "
                  + verdict.nackDetail());
        }
        if (c.kind() == Kind.CLUSTER || c.kind() == Kind.LISTENER) {
          remove(controlPlane, rest, running, c, path);
        }
      }

      int accepted = acceptedByKind.values().stream().mapToInt(a -> a[0]).sum();
      System.out.printf(
          "RawResourceValidityIT: %d cases in %d ms against %s: %d accepted by REST %s, %d ACKed"
              + " by Envoy; %d refused by REST %s%n",
          cases,
          (System.nanoTime() - started) / 1_000_000,
          envoy.describe(),
          accepted,
          summary(acceptedByKind),
          accepted - disagreements.size(),
          cases - accepted,
          refusals);
      disagreements.forEach(d -> System.out.println("DISAGREEMENT " + d));
      assertThat(accepted)
          .as("the generator must produce accepted cases too")
          .isGreaterThan(cases / 5);
      assertThat(disagreements)
          .as("accepted by the REST API but NACKed by Envoy (seed %d)", seed)
          .isEmpty();
    }
  }

  /**
   * The fixed raw resources route and endpoint cases replace: a listener reading {@code prop-route}
   * over RDS, and an EDS cluster reading {@code prop-eds}, so Envoy subscribes to both.
   */
  private static void putFixtures(InteropControlPlane controlPlane) {
    controlPlane.put(
        "/api/v1/raw/clusters/" + RawResourceGenerator.EDS_CLUSTER,
        """
        {"name": "%s", "type": "EDS", "connect_timeout": "1s",
         "eds_cluster_config": {"eds_config": {"ads": {}, "resource_api_version": "V3"}}}"""
            .formatted(RawResourceGenerator.EDS_CLUSTER));
    controlPlane.put(
        "/api/v1/raw/endpoints/" + RawResourceGenerator.EDS_CLUSTER,
        RawResourceGenerator.base(Kind.ENDPOINT, RawResourceGenerator.EDS_CLUSTER, -1).toString());
    controlPlane.put(
        "/api/v1/raw/routes/" + RawResourceGenerator.ROUTE_NAME,
        RawResourceGenerator.base(Kind.ROUTE, RawResourceGenerator.ROUTE_NAME, -1).toString());
    controlPlane.put(
        "/api/v1/raw/listeners/prop-rds-listener",
        """
        {"name": "prop-rds-listener",
         "address": {"socket_address": {"address": "127.0.0.1", "port_value": 0}},
         "filter_chains": [{"filters": [{"name": "envoy.filters.network.http_connection_manager",
           "typed_config": {
             "@type": "type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
             "stat_prefix": "prop_rds",
             "rds": {"route_config_name": "%s",
                     "config_source": {"ads": {}, "resource_api_version": "V3"}},
             "http_filters": [{"name": "envoy.filters.http.router", "typed_config": {
               "@type": "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router"}}]}}]}]}"""
            .formatted(RawResourceGenerator.ROUTE_NAME));
  }

  /**
   * Removes a cluster or listener case, so the snapshot stays small; route and endpoint cases keep
   * one name, and the next one replaces them (their content differs by the case index).
   */
  private void remove(
      InteropControlPlane controlPlane,
      RestClient rest,
      RunningEnvoy running,
      Case c,
      String path) {
    JsonNode before = typeStatus(controlPlane, c.kind());
    HttpResponse<String> response = rest.delete(path);
    assertThat(response.statusCode()).as("DELETE %s: %s", path, response.body()).isEqualTo(204);
    Verdict verdict = awaitVerdict(controlPlane, running, c.kind(), before);
    assertThat(verdict.acked())
        .as("Envoy NACKed the removal of %s: %s", path, verdict.nackDetail())
        .isTrue();
  }

  /**
   * Waits for the push after a write and Envoy's answer to it: ACK (the version sent is the version
   * ACKed) or NACK (the last NACK carries the nonce sent).
   */
  private static Verdict awaitVerdict(
      InteropControlPlane controlPlane, RunningEnvoy running, Kind kind, JsonNode before) {
    String sentBefore = before == null ? "" : before.get("last_sent_version").asText();
    return await("Envoy's answer to the push of a " + kind.rest + " change")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(10))
        .failFast("Envoy exited", () -> !running.isAlive())
        .until(
            () -> {
              JsonNode now = typeStatus(controlPlane, kind);
              if (now == null || now.get("last_sent_version").asText().equals(sentBefore)) {
                return null;
              }
              String sent = now.get("last_sent_version").asText();
              if (now.get("last_acked_version").asText().equals(sent)) {
                return new Verdict(true, "");
              }
              JsonNode nack = now.get("last_nack");
              if (!nack.isNull()
                  && nack.get("nonce").asText().equals(now.get("last_sent_nonce").asText())) {
                return new Verdict(false, nack.get("error_detail").asText());
              }
              return null;
            },
            v -> v != null);
  }

  private static void awaitAllAcked(InteropControlPlane controlPlane, RunningEnvoy running) {
    await("Envoy ACKs the fixtures")
        .atMost(Duration.ofSeconds(30))
        .failFast("Envoy exited", () -> !running.isAlive())
        .untilAsserted(
            () -> {
              for (Kind kind : Kind.values()) {
                JsonNode status = typeStatus(controlPlane, kind);
                assertThat(status).as(kind.typeUrl).isNotNull();
                assertThat(status.get("last_acked_version").asText())
                    .as(kind.typeUrl)
                    .isNotEmpty()
                    .isEqualTo(status.get("last_sent_version").asText());
              }
            });
  }

  private static JsonNode typeStatus(InteropControlPlane controlPlane, Kind kind) {
    JsonNode proxy = controlPlane.proxy(NODE);
    return proxy == null ? null : proxy.get("types").get(kind.typeUrl);
  }

  private static String summary(Map<Kind, int[]> byKind) {
    Map<String, Integer> out = new TreeMap<>();
    byKind.forEach((k, v) -> out.put(k.rest, v[0]));
    return out.toString();
  }

  private static String bootstrap(int xdsPort) throws IOException {
    int outbound;
    try (ServerSocket socket = new ServerSocket(0)) {
      outbound = socket.getLocalPort();
    }
    return """
        node:
          id: %s
          cluster: validity
          metadata: { attache.outbound_address: 127.0.0.1, attache.outbound_port: %d }
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        dynamic_resources:
          ads_config:
            api_type: GRPC
            transport_api_version: V3
            grpc_services: [{ envoy_grpc: { cluster_name: attache_xds } }]
          cds_config: { ads: {}, resource_api_version: V3 }
          lds_config: { ads: {}, resource_api_version: V3 }
        static_resources:
          clusters:
          - name: attache_xds
            type: STATIC
            connect_timeout: 1s
            typed_extension_protocol_options:
              envoy.extensions.upstreams.http.v3.HttpProtocolOptions:
                "@type": type.googleapis.com/envoy.extensions.upstreams.http.v3.HttpProtocolOptions
                explicit_http_config: { http2_protocol_options: {} }
            load_assignment:
              cluster_name: attache_xds
              endpoints:
              - lb_endpoints:
                - endpoint:
                    address: { socket_address: { address: 127.0.0.1, port_value: %d } }
        """
        .formatted(NODE, outbound, xdsPort);
  }
}
