package io.attache.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What a response does to its connection once the listener drains (Envoy's connection-manager drain
 * check on response headers): HTTP/1.1 answers {@code connection: close} and closes; HTTP/2 starts
 * the GOAWAY sequence with the HCM's {@code drain_timeout}; each connection is counted once in
 * {@code downstream_cx_drain_close}. On virtual time, without sockets.
 */
class ConnectionDrainTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      drain_timeout: 2s
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            direct_response: { status: 200, body: { inline_string: "hi" } }
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private final StreamHarness harness = newHarness();

  private static StreamHarness newHarness() {
    try {
      return new StreamHarness(HCM, StreamHarness.configuredFilters(HCM));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void releaseBuffers() {
    harness.downstream.releaseAll();
  }

  private HttpResponse get() {
    harness.downstream.written.clear();
    harness.request(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
    return (HttpResponse) harness.downstream.written.get(0);
  }

  @Test
  void aKeepAliveConnectionStaysOpenWhileTheListenerIsNotDraining() {
    HttpResponse response = get();

    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.closeRequested).isFalse();
    assertThat(harness.downstream.connectionDraining()).isFalse();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isZero();
  }

  @Test
  void anHttp1ResponseAfterTheDrainDecisionSaysConnectionCloseAndClosesTheConnection() {
    harness.drainClose = true;

    HttpResponse response = get();

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(harness.downstream.completed).isTrue();
    assertThat(harness.downstream.closeRequested).isTrue();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aConnectionIsCountedOnceHoweverManyResponsesItsDrainTouches() {
    harness.drainClose = true;

    get();
    get();

    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aDrainingConnectionKeepsClosingAfterTheDecisionTurnsBackToNo() {
    harness.drainClose = true;
    get();
    harness.drainClose = false;

    HttpResponse response = get();

    assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(harness.downstream.closeRequested).isTrue();
  }

  @Test
  void anHttp2StreamStartsTheGoAwaySequenceWithTheHcmDrainTimeoutAndNoConnectionHeader() {
    harness.downstream.protocol = "HTTP/2";
    harness.drainClose = true;

    HttpResponse response = get();

    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.drainStartedWith).isEqualTo(Duration.ofSeconds(2));
    assertThat(harness.downstream.closeRequested).isFalse();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }
}
