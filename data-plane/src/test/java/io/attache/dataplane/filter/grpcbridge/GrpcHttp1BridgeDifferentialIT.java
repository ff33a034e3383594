package io.attache.dataplane.filter.grpcbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One gRPC HTTP/1.1 bridge bootstrap run by Attaché and by a stock Envoy, a real grpc-java server
 * behind both: each HTTP/1.1 call (OK, failure after data, trailers-only UNIMPLEMENTED, a query, a
 * protobuf upgrade) must get the same status, grpc-status and grpc-message headers, content-length
 * and body from each; and neither proxy counts anything under the filter's name (Envoy disabled its
 * telemetry).
 */
@ExtendWith(StockEnvoyExtension.class)
class GrpcHttp1BridgeDifferentialIT {
  @TempDir Path dir;

  @Test
  void attacheAndEnvoyBridgeTheSameCallsToTheSameResponses(Envoy envoy) throws Exception {
    try (RawGrpcService server = new RawGrpcService();
        ProxyPair pair =
            ProxyPair.start(envoy, "bridge", GrpcHttp1BridgeIT.bootstrap(server.port()), dir)) {
      Map<String, Map<String, GrpcHttp1BridgeIT.Seen>> seen = new LinkedHashMap<>();
      for (ProxyPair.Side side : pair.both()) {
        Map<String, GrpcHttp1BridgeIT.Seen> bySide = new LinkedHashMap<>();
        for (var call : GrpcHttp1BridgeIT.calls().entrySet()) {
          bySide.put(call.getKey(), GrpcHttp1BridgeIT.call(side.port("ingress"), call.getValue()));
        }
        seen.put(side.name(), bySide);
      }

      assertThat(seen.get("Attaché"))
          .as("Attaché vs %s", envoy.describe())
          .isEqualTo(seen.get(pair.envoy().name()));
      assertThat(seen.get("Attaché").get("fails after data").status()).isEqualTo(503);
      for (ProxyPair.Side side : pair.both()) {
        assertThat(side.statsThatMoved("http.ingress.grpc")).as(side.name()).isEmpty();
        assertThat(side.stat("cluster.grpc.upstream_rq_total")).as(side.name()).isEqualTo(5);
      }
    }
  }
}
