package io.attache.dataplane.proxy;

import static io.attache.dataplane.proxy.StreamHarness.entry;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.tracing.OperationName;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A route's {@code decorator} as Envoy's connection manager applies it where it traces (checked
 * against stock Envoy 1.40 with the census's behaviour check on the examples' jaeger-tracing
 * bootstraps): an egress proxy tells the upstream the operation in {@code
 * x-envoy-decorator-operation}, an ingress proxy tells the caller in the response, a caller's own
 * header names an ingress span instead and never reaches the service, and without {@code tracing}
 * nothing happens.
 */
class RouteDecoratorTest {
  private static final String TRACED =
      """
      stat_prefix: ingress
      tracing: {}
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/quiet" }
            route: { cluster: backend }
            decorator: { operation: checkQuiet, propagate: false }
          - match: { prefix: "/" }
            route: { cluster: backend }
            decorator: { operation: checkAvailability }
      """;

  private final List<HttpRequest> seen = new ArrayList<>();
  private StreamHarness harness;

  @AfterEach
  void releaseBuffers() {
    if (harness != null) {
      harness.downstream.releaseAll();
    }
  }

  /** Records the request the chain got (what the upstream would get), then answers 200. */
  private FilterChainEntry recorder() {
    return entry(
        "recorder",
        callbacks ->
            callbacks.addStreamDecoderFilter(
                new StreamDecoderFilter() {
                  private StreamDecoderFilterCallbacks stream;

                  @Override
                  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
                    stream = callbacks;
                  }

                  @Override
                  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean end) {
                    seen.add(request);
                    stream.sendLocalReply(200, "ok", "test");
                    return FilterHeadersStatus.STOP_ITERATION;
                  }
                }));
  }

  private HttpHeaders send(String hcm, OperationName side, String path, String... headers)
      throws Exception {
    harness =
        new StreamHarness(
            hcm, context -> List.of(recorder()), RandomSource.seeded(1), name -> null, side);
    HttpRequest request = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, path);
    request.headers().set("host", "example.com");
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().set(headers[i], headers[i + 1]);
    }
    harness.request(request);
    for (HttpObject o : harness.downstream.written) {
      if (o instanceof HttpResponse r) {
        return r.headers();
      }
    }
    throw new AssertionError("no response written");
  }

  @Test
  void anEgressProxyTellsTheUpstreamTheOperationAndNotTheCaller() throws Exception {
    HttpHeaders response = send(TRACED, OperationName.EGRESS, "/stock");

    assertThat(seen.get(0).headers().get("x-envoy-decorator-operation"))
        .isEqualTo("checkAvailability");
    assertThat(response.contains("x-envoy-decorator-operation")).isFalse();
  }

  @Test
  void anIngressProxyTellsTheCallerTheOperationAndNotTheService() throws Exception {
    HttpHeaders response = send(TRACED, OperationName.INGRESS, "/stock");

    assertThat(seen.get(0).headers().contains("x-envoy-decorator-operation")).isFalse();
    assertThat(response.get("x-envoy-decorator-operation")).isEqualTo("checkAvailability");
  }

  @Test
  void anIngressCallersOwnOperationNamesTheSpanAndIsNeitherForwardedNorEchoed() throws Exception {
    HttpHeaders response =
        send(TRACED, OperationName.INGRESS, "/stock", "x-envoy-decorator-operation", "fromCaller");

    assertThat(seen.get(0).headers().contains("x-envoy-decorator-operation")).isFalse();
    assertThat(response.contains("x-envoy-decorator-operation")).isFalse();
  }

  @Test
  void propagateFalseKeepsTheOperationToThisProxysSpan() throws Exception {
    HttpHeaders egress = send(TRACED, OperationName.EGRESS, "/quiet");
    assertThat(seen.get(0).headers().contains("x-envoy-decorator-operation")).isFalse();
    assertThat(egress.contains("x-envoy-decorator-operation")).isFalse();

    seen.clear();
    HttpHeaders ingress = send(TRACED, OperationName.INGRESS, "/quiet");
    assertThat(ingress.contains("x-envoy-decorator-operation")).isFalse();
  }

  @Test
  void withoutTracingTheDecoratorChangesNoHeader() throws Exception {
    String untraced = TRACED.replace("tracing: {}\n", "");

    HttpHeaders ingress = send(untraced, OperationName.INGRESS, "/stock");
    assertThat(ingress.contains("x-envoy-decorator-operation")).isFalse();
    seen.clear();
    send(untraced, OperationName.EGRESS, "/stock");
    assertThat(seen.get(0).headers().contains("x-envoy-decorator-operation")).isFalse();
  }
}
