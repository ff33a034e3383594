package io.attache.dataplane.proxy;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp2Client;
import io.attache.dataplane.testing.TestHttpServer;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/2 rapid reset against a real proxy with a warm upstream pool: streams opened and reset by
 * the client at once must not turn into upstream requests. 20,000 reset streams over 100
 * connections of 200 (just under the per-connection RST limit, the attacker's best case).
 */
class Http2RapidResetIT {
  private static final int CONNECTIONS = 100;
  private static final int STREAMS_PER_CONNECTION = 200;

  private TestHttpServer upstream;
  private ProxyHarness proxy;

  @AfterEach
  void tearDown() {
    if (proxy != null) {
      proxy.close();
    }
    if (upstream != null) {
      upstream.close();
    }
  }

  @Test
  void streamsResetInTheSameBurstAsTheirHeadersNeverReachAnHttp1Upstream() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    attack("");
  }

  @Test
  void streamsResetInTheSameBurstAsTheirHeadersNeverReachAnHttp2Upstream() throws Exception {
    upstream = TestHttpServer.http2(TestHttpServer.echo("a"));
    attack("http2_protocol_options: {}");
  }

  private void attack(String clusterExtra) throws Exception {
    proxy =
        ProxyHarness.start(
            bootstrap(
                "codec_type: HTTP2",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", clusterExtra, upstream.port())));
    int warm = warmUpstreamPool();
    long attemptsBefore = proxy.stat("cluster.backend.upstream_rq_total");
    long connectionsBefore = proxy.stat("cluster.backend.upstream_cx_total");

    for (int c = 0; c < CONNECTIONS; c++) {
      try (RawHttp2Client client = new RawHttp2Client(proxy.port(), 2_000)) {
        for (int i = 0; i < STREAMS_PER_CONNECTION; i++) {
          int stream = 2 * i + 1;
          client.headers(stream, RawHttp2Client.get("/reset"), true).rstStream(stream, 8);
          client.flush(); // one write per pair: a client's natural rhythm
        }
        // A half-close, not a close: the proxy reads every frame sent before it sees the end.
        client.shutdownOutput();
        client.closedByPeer(10 * STREAMS_PER_CONNECTION);
      }
    }
    long streams = (long) CONNECTIONS * STREAMS_PER_CONNECTION;
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                proxy.stat("http.ingress.downstream_rq_active") == 0
                    && proxy.stat("http.ingress.downstream_cx_active") == 0);
    long reached = upstream.received().size() - warm;
    long attempts = proxy.stat("cluster.backend.upstream_rq_total") - attemptsBefore;
    long connections = proxy.stat("cluster.backend.upstream_cx_total") - connectionsBefore;
    System.out.printf(
        "rapid reset: %d reset streams, %d seen by the proxy, %d upstream requests started,"
            + " %d upstream connections opened, %d requests reached the upstream%n",
        streams,
        proxy.stat("http.ingress.downstream_rq_total") - warm,
        attempts,
        connections,
        reached);

    assertThat(attempts).isLessThan(streams / 100);
    assertThat(reached).isLessThan(streams / 100);
  }

  @Test
  void oneConnectionResettingEveryStreamIsClosedByThePrematureResetRule() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "codec_type: HTTP2",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));
    int sent = 0;
    try (RawHttp2Client client = new RawHttp2Client(proxy.port(), 5_000)) {
      try {
        for (int i = 0; i < CONNECTIONS * STREAMS_PER_CONNECTION; i++) {
          int stream = 2 * i + 1;
          client.headers(stream, RawHttp2Client.get("/reset"), true).rstStream(stream, 8);
          client.flush();
          sent++;
        }
      } catch (java.io.IOException closedByTheProxy) {
        // expected: the proxy ended the connection mid-flood
      }
      assertThat(client.closedByPeer(100_000)).isTrue();
    }
    await()
        .atMost(Duration.ofSeconds(30))
        .until(() -> proxy.stat("http.ingress.downstream_cx_active") == 0);
    long seen = proxy.stat("http.ingress.downstream_rq_total");
    System.out.printf(
        "rapid reset on one connection: %d pairs written before the close, %d streams seen%n",
        sent, seen);

    assertThat(proxy.stat("http.ingress.downstream_rq_too_many_premature_resets")).isEqualTo(1);
    assertThat(seen).isLessThan(2_000);
    assertThat(upstream.received()).isEmpty();
  }

  /** Opens upstream connections with concurrent normal requests; returns how many it sent. */
  private int warmUpstreamPool() throws Exception {
    int n = 50;
    try (RawHttp2Client client = new RawHttp2Client(proxy.port(), 5_000)) {
      for (int i = 0; i < n; i++) {
        client.headers(2 * i + 1, RawHttp2Client.get("/warm"), true);
      }
      client.flush();
      await().atMost(Duration.ofSeconds(20)).until(() -> upstream.received().size() >= n);
    }
    return n;
  }
}
