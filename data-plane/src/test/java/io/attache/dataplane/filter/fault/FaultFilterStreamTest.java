package io.attache.dataplane.filter.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.proxy.StreamHarness;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The fault filter on the connection manager's chain, on virtual time. */
class FaultFilterStreamTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "ok" } }
      http_filters:
      - name: envoy.filters.http.fault
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
          %s
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness;

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  private StreamHarness start(String fault) throws Exception {
    String yaml = HCM.formatted(fault);
    harness = new StreamHarness(yaml, StreamHarness.configuredFilters(yaml));
    return harness;
  }

  private static FullHttpRequest get(String contentType) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    if (contentType != null) {
      request.headers().set("content-type", contentType);
    }
    return request;
  }

  @Test
  void aFixedDelayHoldsTheRequestForExactlyItsDurationThenTheChainContinues() throws Exception {
    StreamHarness h = start("delay: { fixed_delay: 5s, percentage: { numerator: 100 } }");

    h.request(get(null));

    assertThat(h.time.pendingDelays()).contains(Duration.ofSeconds(5));
    h.time.advance(Duration.ofMillis(4_999));
    assertThat(h.downstream.status()).isZero();
    assertThat(h.stats.gauge("http.ingress.fault.active_faults").value()).isEqualTo(1);

    h.time.advance(Duration.ofMillis(1));
    assertThat(h.downstream.status()).isEqualTo(200);
    assertThat(h.downstream.body()).isEqualTo("ok");
    assertThat(h.info().hasFlag(ResponseFlag.DELAY_INJECTED)).isTrue();
    assertThat(h.counter("http.ingress.fault.delays_injected")).isEqualTo(1);
    assertThat(h.stats.gauge("http.ingress.fault.active_faults").value()).isZero();
  }

  @Test
  void aClientThatLeavesDuringTheDelayCancelsItsTimerAndFreesItsFaultSlot() throws Exception {
    StreamHarness h = start("delay: { fixed_delay: 5s, percentage: { numerator: 100 } }");
    h.request(get(null));

    h.downstreamCloses();

    assertThat(h.downstream.closeConnectionTimers()).as("deadlines left armed").isFalse();
    assertThat(h.time.pending()).isEmpty();
    assertThat(h.stats.gauge("http.ingress.fault.active_faults").value()).isZero();
    assertThat(h.downstream.written).isEmpty();
  }

  @Test
  void aGrpcAbortAnswersTrailersOnlyWithTheConfiguredStatus() throws Exception {
    StreamHarness h = start("abort: { grpc_status: 14, percentage: { numerator: 100 } }");

    h.request(get("application/grpc"));

    FullHttpResponse reply = (FullHttpResponse) h.downstream.written.get(0);
    assertThat(reply.status().code()).isEqualTo(200);
    assertThat(reply.headers().get("grpc-status")).isEqualTo("14");
    assertThat(h.info().hasFlag(ResponseFlag.FAULT_INJECTED)).isTrue();
    assertThat(h.info().responseCodeDetails()).isEqualTo("fault_filter_abort");
  }
}
