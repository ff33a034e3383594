package io.attache.dataplane.filter.grpcbridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One gRPC HTTP/1.1 reverse bridge bootstrap run by Attaché and by a stock Envoy, a plain HTTP/1.1
 * server behind both: for each call of {@link GrpcHttp1ReverseBridgeIT#calls} the server must see
 * the same method, path, headers and body bytes, and the HTTP/2 client the same status, headers,
 * DATA bytes, trailers and end of stream; neither proxy counts anything under the filter's name
 * (Envoy's filter has no stats).
 */
@ExtendWith(StockEnvoyExtension.class)
class GrpcHttp1ReverseBridgeDifferentialIT {
  @TempDir Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"withheld", "sized", "framed"})
  void attacheAndEnvoyBridgeTheSameCallsToTheSameExchanges(String variant, Envoy envoy)
      throws Exception {
    try (TestHttpServer upstream = TestHttpServer.http1(GrpcHttp1ReverseBridgeIT::upstreamReply);
        ProxyPair pair =
            ProxyPair.start(
                envoy,
                "reverse-bridge-" + variant,
                GrpcHttp1ReverseBridgeIT.bootstrap(
                    upstream.port(), GrpcHttp1ReverseBridgeIT.VARIANTS.get(variant)),
                dir)) {
      Map<String, Map<String, GrpcHttp1ReverseBridgeIT.Exchange>> seen = new LinkedHashMap<>();
      for (ProxyPair.Side side : pair.both()) {
        Map<String, GrpcHttp1ReverseBridgeIT.Exchange> bySide = new LinkedHashMap<>();
        for (var call : GrpcHttp1ReverseBridgeIT.calls(variant).entrySet()) {
          bySide.put(
              call.getKey(),
              GrpcHttp1ReverseBridgeIT.exchange(side.port("ingress"), upstream, call.getValue()));
        }
        seen.put(side.name(), bySide);
      }

      // Every call compared before failing, so one run shows every difference.
      SoftAssertions calls = new SoftAssertions();
      for (String call : GrpcHttp1ReverseBridgeIT.calls(variant).keySet()) {
        calls
            .assertThat(seen.get("Attaché").get(call))
            .as("%s, %s: Attaché vs %s", variant, call, envoy.describe())
            .isEqualTo(seen.get(pair.envoy().name()).get(call));
      }
      calls.assertAll();
      for (ProxyPair.Side side : pair.both()) {
        assertThat(side.statsThatMoved("http.ingress.grpc")).as(side.name()).isEmpty();
      }
    }
  }
}
