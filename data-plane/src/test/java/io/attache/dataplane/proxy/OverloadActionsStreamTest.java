package io.attache.dataplane.proxy;

import static io.attache.dataplane.overload.OverloadActionName.DISABLE_HTTP_KEEPALIVE;
import static io.attache.dataplane.overload.OverloadActionName.STOP_ACCEPTING_REQUESTS;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What the overload manager's HTTP actions do to a stream, as Envoy's connection manager does it:
 * {@code stop_accepting_requests} answers 503 {@code envoy overloaded} with flag {@code OM} before
 * any filter runs; {@code disable_http_keepalive} starts the connection's drain on the response.
 * Saturated (1) always applies, inactive (0) never; on virtual time, without sockets.
 */
class OverloadActionsStreamTest {
  private final StreamHarness harness = StreamHarness.directResponses();

  @AfterEach
  void releaseBuffers() {
    harness.downstream.releaseAll();
  }

  @Test
  void aSaturatedStopAcceptingRequestsAnswers503EnvoyOverloadedWithTheOmFlag() {
    harness.overload.put(STOP_ACCEPTING_REQUESTS, 1.0);

    HttpResponse response = harness.get();

    assertThat(response.status().code()).isEqualTo(503);
    assertThat(harness.downstream.body()).isEqualTo("envoy overloaded");
    assertThat(harness.info().flags()).contains(ResponseFlag.OVERLOAD_MANAGER);
    assertThat(harness.info().responseCodeDetails()).isEqualTo("overload");
    assertThat(harness.counter("http.ingress.downstream_rq_overload_close")).isEqualTo(1);
    assertThat(harness.counter("http.ingress.rq_direct_response")).isZero();
  }

  @Test
  void anInactiveOverloadManagerLeavesRequestsAndKeepAliveAlone() {
    HttpResponse response = harness.get();

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.closeRequested).isFalse();
    assertThat(harness.counter("http.ingress.downstream_rq_overload_close")).isZero();
    assertThat(harness.counter("http.ingress.downstream_cx_overload_disable_keepalive")).isZero();
  }

  @Test
  void aSaturatedDisableHttpKeepaliveClosesAnHttp1ConnectionAfterItsResponse() {
    harness.overload.put(DISABLE_HTTP_KEEPALIVE, 1.0);

    HttpResponse response = harness.get();

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(harness.downstream.closeRequested).isTrue();
    assertThat(harness.counter("http.ingress.downstream_cx_overload_disable_keepalive"))
        .isEqualTo(1);
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aSaturatedDisableHttpKeepaliveStartsTheGoAwaySequenceOnHttp2() {
    harness.downstream.protocol = "HTTP/2";
    harness.overload.put(DISABLE_HTTP_KEEPALIVE, 1.0);

    HttpResponse response = harness.get();

    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.drainStartedWith).isEqualTo(Duration.ofSeconds(2));
    assertThat(harness.counter("http.ingress.downstream_cx_overload_disable_keepalive"))
        .isEqualTo(1);
  }
}
