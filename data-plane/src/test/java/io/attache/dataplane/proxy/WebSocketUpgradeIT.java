package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.WebSocketEchoServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * WebSocket through a real proxy on real sockets, between the JDK's WebSocket client and Netty's
 * WebSocket server: the handshake crosses with its upgrade headers, frames flow both ways after the
 * 101, the connection manager's and the route's {@code upgrade_configs} decide (403 otherwise), an
 * upstream that does not switch protocols is answered as it answered, and a close on one side
 * closes the other.
 */
class WebSocketUpgradeIT {
  private static final String WEBSOCKET_ON = "upgrade_configs: [ { upgrade_type: websocket } ]";

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Test
  void framesFlowBothWaysAfterTheUpstreamsSwitchAndTheUpgradeIsCounted() throws Exception {
    try (WebSocketEchoServer upstream = new WebSocketEchoServer();
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    WEBSOCKET_ON,
                    ProxyHarness.routeAllTo("ws"),
                    staticCluster("ws", "", upstream.port())))) {
      Messages messages = new Messages();
      WebSocket ws = connect(proxy, "/ws", messages);

      ws.sendText("hello", true).get(10, TimeUnit.SECONDS);
      assertThat(messages.next()).isEqualTo("echo: hello");
      ws.sendText("x".repeat(60_000), true).get(10, TimeUnit.SECONDS);
      assertThat(messages.next()).isEqualTo("echo: " + "x".repeat(60_000));

      assertThat(upstream.handshakes()).hasSize(1);
      assertThat(upstream.handshakes().get(0).get("upgrade")).isEqualToIgnoringCase("websocket");
      assertThat(upstream.handshakes().get(0).get("x-forwarded-proto")).isEqualTo("http");
      assertThat(proxy.stat("http.ingress.downstream_cx_upgrades_total")).isEqualTo(1);
      assertThat(proxy.stat("http.ingress.downstream_cx_upgrades_active")).isEqualTo(1);
      assertThat(proxy.stat("cluster.ws.upstream_rq_101")).isEqualTo(1);

      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
      await().atMost(Duration.ofSeconds(10)).until(messages.closed::isDone);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("http.ingress.downstream_cx_upgrades_active") == 0);
      await().atMost(Duration.ofSeconds(10)).until(() -> upstream.openConnections() == 0);
      assertThat(messages.closed.get()).isEqualTo(WebSocket.NORMAL_CLOSURE);
    }
  }

  @Test
  void anUpgradeTheConnectionManagerDoesNotListIsAnswered403UpgradeFailed() throws Exception {
    try (WebSocketEchoServer upstream = new WebSocketEchoServer();
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    "", ProxyHarness.routeAllTo("ws"), staticCluster("ws", "", upstream.port())))) {
      assertThat(handshakeStatus(proxy, "/ws")).isEqualTo(403);
      assertThat(upstream.handshakes()).isEmpty();
      assertThat(proxy.stat("http.ingress.downstream_cx_upgrades_total")).isZero();
      assertThat(proxy.stat("http.ingress.downstream_rq_4xx")).isEqualTo(1);
    }
  }

  @Test
  void aRouteTurnsAnUpgradeOnThatTheConnectionManagerLeavesOffAndNoOtherRouteGetsIt()
      throws Exception {
    String routes =
        """
        - match: { prefix: "/ws" }
          route:
            cluster: ws
            upgrade_configs: [ { upgrade_type: WebSocket, enabled: true } ]
        - match: { prefix: "/" }
          route: { cluster: ws }
        """;
    try (WebSocketEchoServer upstream = new WebSocketEchoServer();
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    "upgrade_configs: [ { upgrade_type: websocket, enabled: false } ]",
                    routes,
                    staticCluster("ws", "", upstream.port())))) {
      Messages messages = new Messages();
      WebSocket ws = connect(proxy, "/ws", messages);
      ws.sendText("on this route", true).get(10, TimeUnit.SECONDS);
      assertThat(messages.next()).isEqualTo("echo: on this route");

      assertThat(handshakeStatus(proxy, "/other")).isEqualTo(403);
      assertThat(upstream.handshakes()).hasSize(1);
      ws.abort();
    }
  }

  @Test
  void anUpstreamThatDoesNotSwitchProtocolsIsRelayedAndTheConnectionCloses() throws Exception {
    try (WebSocketEchoServer upstream = new WebSocketEchoServer();
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    WEBSOCKET_ON,
                    ProxyHarness.routeAllTo("ws"),
                    staticCluster("ws", "", upstream.port())))) {
      assertThat(handshakeStatus(proxy, "/not-a-socket")).isEqualTo(404);
      assertThat(proxy.stat("cluster.ws.upstream_rq_404")).isEqualTo(1);
      // Accepted by the connection manager: counted as an upgrade, and no longer active.
      assertThat(proxy.stat("http.ingress.downstream_cx_upgrades_total")).isEqualTo(1);
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("http.ingress.downstream_cx_upgrades_active") == 0);
    }
  }

  @Test
  void theUpstreamClosingTheTunnelClosesTheClient() throws Exception {
    try (WebSocketEchoServer upstream = new WebSocketEchoServer();
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    WEBSOCKET_ON,
                    ProxyHarness.routeAllTo("ws"),
                    staticCluster("ws", "", upstream.port())))) {
      Messages messages = new Messages();
      WebSocket ws = connect(proxy, "/ws", messages);
      ws.sendText("before", true).get(10, TimeUnit.SECONDS);
      assertThat(messages.next()).isEqualTo("echo: before");

      upstream.closeConnections();

      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("http.ingress.downstream_cx_upgrades_active") == 0);
      await().atMost(Duration.ofSeconds(10)).until(messages.closed::isDone);
    }
  }

  private WebSocket connect(ProxyHarness proxy, String path, Messages messages) throws Exception {
    return client
        .newWebSocketBuilder()
        .connectTimeout(Duration.ofSeconds(5))
        .buildAsync(URI.create("ws://127.0.0.1:" + proxy.port() + path), messages)
        .get(10, TimeUnit.SECONDS);
  }

  private int handshakeStatus(ProxyHarness proxy, String path) {
    Throwable failure = catchThrowable(() -> connect(proxy, path, new Messages()));
    assertThat(failure).hasCauseInstanceOf(WebSocketHandshakeException.class);
    return ((WebSocketHandshakeException) failure.getCause()).getResponse().statusCode();
  }

  /** Collects whole text messages and the close (its status code, or -1 on error). */
  private static final class Messages implements WebSocket.Listener {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        received.add(partial.toString());
        partial.setLength(0);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
      closed.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket ws, Throwable error) {
      closed.complete(-1);
    }

    String next() throws InterruptedException {
      String message = received.poll(10, TimeUnit.SECONDS);
      assertThat(message).as("a message within 10 s").isNotNull();
      return message;
    }
  }
}
