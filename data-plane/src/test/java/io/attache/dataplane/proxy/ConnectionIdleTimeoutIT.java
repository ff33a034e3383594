package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code idle_timeout} from the first byte, on real sockets: connections that never get as far as a
 * request are closed by it (issue 14 found them open at 6× the timeout).
 */
class ConnectionIdleTimeoutIT {
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
  }

  private void start() throws Exception {
    proxy =
        ProxyHarness.start(
            bootstrap(
                "common_http_protocol_options: { idle_timeout: 0.3s }",
                ProxyHarness.routeAllTo("unused"),
                staticCluster("unused", "", 1)));
  }

  @Test
  void aConnectionThatSendsNothingIsClosedByTheIdleTimeout() throws Exception {
    start();
    try (Socket silent = connect()) {
      awaitClosed(silent);
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_idle_timeout")).isEqualTo(1);
  }

  @Test
  void aConnectionThatSendsHalfAnHttp2PrefaceIsClosedByTheIdleTimeout() throws Exception {
    start();
    try (Socket half = connect()) {
      half.getOutputStream().write("PRI * HTTP/2.0\r\n".getBytes(StandardCharsets.US_ASCII));
      half.getOutputStream().flush();
      awaitClosed(half);
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_idle_timeout")).isEqualTo(1);
  }

  @Test
  void aConnectionThatStopsInsideItsFirstRequestLineIsClosedByTheIdleTimeout() throws Exception {
    start();
    try (Socket slow = connect()) {
      slow.getOutputStream().write("GET /a HT".getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush();
      awaitClosed(slow);
    }
    assertThat(proxy.stat("http.ingress.downstream_cx_idle_timeout")).isEqualTo(1);
  }

  private Socket connect() throws Exception {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), proxy.port());
    s.setSoTimeout(200);
    return s;
  }

  /** Reads until EOF; every read is bounded by the socket timeout, the wait by Awaitility. */
  private static void awaitClosed(Socket socket) {
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptionsInstanceOf(java.net.SocketTimeoutException.class)
        .until(
            () -> {
              InputStream in = socket.getInputStream();
              return in.read() < 0;
            });
  }
}
