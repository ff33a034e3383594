package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.drain.DrainStrategy;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.RawHttp2Client;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.UnknownDynamicFields;
import io.attache.dataplane.xds.XdsTransport;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /drain_listeners} on real sockets, as Envoy 1.40 answers it: clients already
 * connected are told to go (HTTP/1.1 {@code connection: close}, HTTP/2 GOAWAY with the highest
 * stream id and, after the HCM's {@code drain_timeout}, the final GOAWAY), a graceful drain keeps
 * accepting for the drain time and then stops the listeners, a plain one stops them at once, {@code
 * inboundonly} touches only INBOUND listeners, and {@code /ready} stays LIVE throughout.
 */
class DrainListenersIT {
  private static final String GET =
      "GET / HTTP/1.1\r\nhost: example.com\r\n\r\n"; // keep-alive by default

  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private void start(Duration drainTime, String trafficDirection) throws Exception {
    String bootstrap =
        ProxyHarness.bootstrap(
                "drain_timeout: 0.2s",
                "- match: { prefix: \"/\" }\n"
                    + "  direct_response: { status: 200, body: { inline_string: \"hi\" } }\n",
                ProxyHarness.staticCluster("unused", "", 1))
            .replace(
                "    filter_chains:",
                "    traffic_direction: " + trafficDirection + "\n    filter_chains:");
    proxy =
        ProxyHarness.start(
            bootstrap,
            new ProxyOptions(
                1,
                drainTime,
                TimeSources.SYSTEM,
                XdsTransport.PLAINTEXT,
                DrainStrategy.IMMEDIATE,
                0,
                UnknownDynamicFields.WARN,
                List.of(),
                Optional.empty(),
                CommandLineOptions.getDefaultInstance()));
  }

  @Test
  void aKeepAliveHttp1ClientIsToldToCloseAfterAGracefulDrainStarts() throws Exception {
    start(Duration.ofSeconds(30), "INBOUND");
    try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 5_000)) {
      client.write(GET);
      assertThat(client.readResponse().closes()).isFalse();

      assertThat(proxy.adminPost("/drain_listeners?graceful").body()).isEqualTo("OK\n");
      client.write(GET);
      RawHttp1Client.Response response = client.readResponse();

      assertThat(response.status()).isEqualTo(200);
      assertThat(response.header("connection")).isEqualTo("close");
      assertThat(client.closedByPeer()).isTrue();
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
    assertThat(proxy.admin("/ready")).isEqualTo("LIVE\n");
  }

  @Test
  void anHttp2ClientGetsAGoAwayWithTheHighestStreamIdThenTheFinalOne() throws Exception {
    start(Duration.ofSeconds(30), "INBOUND");
    try (RawHttp2Client client = new RawHttp2Client(proxy.port(), 5_000)) {
      client.headers(1, RawHttp2Client.get("/"), true).flush();
      assertThat(goAways(client.readUntil(20, DrainListenersIT::endsStream1))).isEmpty();

      proxy.adminPost("/drain_listeners?graceful");
      client.headers(3, RawHttp2Client.get("/"), true).flush();
      List<RawHttp2Client.Frame> frames = client.readUntil(20, DrainListenersIT::isFinalGoAway);

      assertThat(goAways(frames)).containsExactly(Integer.MAX_VALUE, 3);
      assertThat(frames)
          .filteredOn(f -> f.type() == RawHttp2Client.HEADERS && f.streamId() == 3)
          .singleElement()
          .satisfies(f -> assertThat(f.headers().status().toString()).isEqualTo("200"));
      assertThat(client.closedByPeer(10)).isTrue();
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_drain_close")).isEqualTo(1);
  }

  @Test
  void aGracefulDrainKeepsAcceptingForTheDrainTimeThenStopsTheListener() throws Exception {
    start(Duration.ofMillis(500), "INBOUND");

    proxy.adminPost("/drain_listeners?graceful");
    try (RawHttp1Client fresh = new RawHttp1Client(proxy.port(), 5_000)) {
      fresh.write(GET);
      assertThat(fresh.readResponse().closes()).isTrue();
    }

    await().atMost(Duration.ofSeconds(20)).until(() -> !accepts(proxy.port()));
    assertThat(proxy.stat("listener_manager.listener_stopped")).isEqualTo(1);
    assertThat(proxy.stat("listener_manager.total_listeners_active")).isEqualTo(1);
  }

  @Test
  void aPlainDrainStopsTheListenerAtOnceAndStillClosesOpenConnections() throws Exception {
    start(Duration.ofSeconds(30), "INBOUND");
    try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 5_000)) {
      client.write(GET);
      client.readResponse();

      assertThat(proxy.adminPost("/drain_listeners").statusCode()).isEqualTo(200);

      assertThatThrownBy(() -> new Socket(InetAddress.getLoopbackAddress(), proxy.port()).close())
          .isInstanceOf(ConnectException.class);
      client.write(GET);
      assertThat(client.readResponse().closes()).isTrue();
    }
    assertThat(proxy.stat("listener_manager.listener_stopped")).isEqualTo(1);
  }

  @Test
  void skipExitLeavesTheListenerAccepting() throws Exception {
    start(Duration.ofSeconds(30), "INBOUND");

    assertThat(proxy.adminPost("/drain_listeners?skip_exit").statusCode()).isEqualTo(200);

    assertThat(accepts(proxy.port())).isTrue();
    assertThat(proxy.stat("listener_manager.listener_stopped")).isZero();
  }

  @Test
  void anInboundOnlyDrainLeavesAnOutboundListenerAlone() throws Exception {
    start(Duration.ofSeconds(30), "OUTBOUND");
    try (RawHttp1Client client = new RawHttp1Client(proxy.port(), 5_000)) {
      proxy.adminPost("/drain_listeners?inboundonly");

      client.write(GET);
      assertThat(client.readResponse().closes()).isFalse();
    }
    assertThat(accepts(proxy.port())).isTrue();
    assertThat(proxy.stat("listener_manager.listener_stopped")).isZero();
    assertThat(proxy.stat("http.ingress.downstream_cx_drain_close")).isZero();
  }

  @Test
  void drainListenersRefusesAGet() throws Exception {
    start(Duration.ofSeconds(30), "INBOUND");

    assertThat(proxy.admin("/drain_listeners")).startsWith("Method GET not allowed");
    assertThat(accepts(proxy.port())).isTrue();
  }

  private static boolean endsStream1(RawHttp2Client.Frame f) {
    return f.streamId() == 1 && (f.flags() & RawHttp2Client.END_STREAM) != 0;
  }

  private static boolean isFinalGoAway(RawHttp2Client.Frame f) {
    return f.type() == RawHttp2Client.GOAWAY && lastStreamId(f) != Integer.MAX_VALUE;
  }

  private static int lastStreamId(RawHttp2Client.Frame goAway) {
    return ByteBuffer.wrap(goAway.payload()).getInt() & Integer.MAX_VALUE;
  }

  private static List<Integer> goAways(List<RawHttp2Client.Frame> frames) {
    return frames.stream()
        .filter(f -> f.type() == RawHttp2Client.GOAWAY)
        .map(DrainListenersIT::lastStreamId)
        .toList();
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
      return true;
    } catch (IOException refused) {
      return false;
    }
  }
}
