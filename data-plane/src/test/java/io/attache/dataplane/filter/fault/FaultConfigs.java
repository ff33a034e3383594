package io.attache.dataplane.filter.fault;

import com.google.protobuf.Duration;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import io.envoyproxy.envoy.type.v3.FractionalPercent.DenominatorType;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;

/** Small builders for fault filter protos and requests, so tests read as the config they state. */
final class FaultConfigs {
  private FaultConfigs() {}

  static FractionalPercent percent(int numerator) {
    return FractionalPercent.newBuilder()
        .setNumerator(numerator)
        .setDenominator(DenominatorType.HUNDRED)
        .build();
  }

  static FractionalPercent percent(int numerator, DenominatorType denominator) {
    return FractionalPercent.newBuilder()
        .setNumerator(numerator)
        .setDenominator(denominator)
        .build();
  }

  static FaultAbort httpAbort(int status, FractionalPercent percentage) {
    return FaultAbort.newBuilder().setHttpStatus(status).setPercentage(percentage).build();
  }

  static FaultAbort grpcAbort(int status, FractionalPercent percentage) {
    return FaultAbort.newBuilder().setGrpcStatus(status).setPercentage(percentage).build();
  }

  static FaultAbort headerAbort(FractionalPercent percentage) {
    return FaultAbort.newBuilder()
        .setHeaderAbort(FaultAbort.HeaderAbort.getDefaultInstance())
        .setPercentage(percentage)
        .build();
  }

  static FaultDelay fixedDelay(long millis, FractionalPercent percentage) {
    return FaultDelay.newBuilder()
        .setFixedDelay(
            Duration.newBuilder()
                .setSeconds(millis / 1000)
                .setNanos((int) (millis % 1000) * 1_000_000))
        .setPercentage(percentage)
        .build();
  }

  static FaultDelay headerDelay(FractionalPercent percentage) {
    return FaultDelay.newBuilder()
        .setHeaderDelay(FaultDelay.HeaderDelay.getDefaultInstance())
        .setPercentage(percentage)
        .build();
  }

  static HTTPFault.Builder fault() {
    return HTTPFault.newBuilder();
  }

  static HTTPFault withMaxActive(HTTPFault.Builder builder, int max) {
    return builder.setMaxActiveFaults(UInt32Value.of(max)).build();
  }

  static HttpFaultConfig parse(HTTPFault proto) {
    try {
      return HttpFaultConfig.from(proto, "http_filters[0].typed_config");
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  static HttpRequest get(String path, String... headerPairs) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set("host", "backend.example");
    for (int i = 0; i < headerPairs.length; i += 2) {
      request.headers().add(headerPairs[i], headerPairs[i + 1]);
    }
    return request;
  }
}
