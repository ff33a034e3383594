package io.attache.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
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
  private final StreamHarness harness = StreamHarness.directResponses();

  @AfterEach
  void releaseBuffers() {
    harness.downstream.releaseAll();
  }

  @Test
  void aKeepAliveConnectionStaysOpenWhileTheListenerIsNotDraining() {
    HttpResponse response = harness.get();

    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.closeRequested).isFalse();
    assertThat(harness.downstream.connectionDraining()).isFalse();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isZero();
  }

  @Test
  void anHttp1ResponseAfterTheDrainDecisionSaysConnectionCloseAndClosesTheConnection() {
    harness.drainClose = true;

    HttpResponse response = harness.get();

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(harness.downstream.completed).isTrue();
    assertThat(harness.downstream.closeRequested).isTrue();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aConnectionIsCountedOnceHoweverManyResponsesItsDrainTouches() {
    harness.drainClose = true;

    harness.get();
    harness.get();

    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aDrainingConnectionKeepsClosingAfterTheDecisionTurnsBackToNo() {
    harness.drainClose = true;
    harness.get();
    harness.drainClose = false;

    HttpResponse response = harness.get();

    assertThat(response.headers().get(HttpHeaderNames.CONNECTION)).isEqualTo("close");
    assertThat(harness.downstream.closeRequested).isTrue();
  }

  @Test
  void anHttp2StreamStartsTheGoAwaySequenceWithTheHcmDrainTimeoutAndNoConnectionHeader() {
    harness.downstream.protocol = "HTTP/2";
    harness.drainClose = true;

    HttpResponse response = harness.get();

    assertThat(response.headers().contains(HttpHeaderNames.CONNECTION)).isFalse();
    assertThat(harness.downstream.drainStartedWith).isEqualTo(Duration.ofSeconds(2));
    assertThat(harness.downstream.closeRequested).isFalse();
    assertThat(harness.counter("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }
}
