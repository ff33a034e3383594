package io.attache.dataplane.server;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Envoy's server, manager, listener and connection stats, filled by real traffic. */
class ServerStatsIT {
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

  private long used(String histogram) {
    var h = proxy.server().stats().histograms().get(histogram);
    return h == null ? -1 : h.statistics().cumulative().sampleCount();
  }

  /** One request on its own connection, closed by the proxy after the response. */
  private String requestAndClose(String path) throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxy.port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET " + path + " HTTP/1.1\r\nHost: test\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
    }
  }

  @Test
  void trafficFillsByteCountersConnectionHistogramsAndListenerStats() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                ProxyHarness.routeAllTo("backend"),
                staticCluster("backend", "", upstream.port())));

    assertThat(requestAndClose("/hello")).startsWith("HTTP/1.1 200");

    String listener = "listener.127.0.0.1_0.";
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              assertThat(proxy.stat(listener + "downstream_cx_destroy")).isEqualTo(1);
              assertThat(used(listener + "downstream_cx_length_ms")).isEqualTo(1);
              assertThat(used("http.ingress.downstream_cx_length_ms")).isEqualTo(1);
              assertThat(proxy.stat(listener + "http.ingress.downstream_rq_2xx")).isEqualTo(1);
            });
    assertThat(proxy.stat(listener + "downstream_cx_total")).isEqualTo(1);
    assertThat(proxy.stat(listener + "downstream_cx_active")).isZero();
    assertThat(proxy.stat(listener + "http.ingress.downstream_rq_completed")).isEqualTo(1);
    assertThat(proxy.stat("http.ingress.downstream_cx_destroy")).isEqualTo(1);
    // "GET /hello HTTP/1.1" plus headers went in; a status line, headers and the echo came out.
    assertThat(proxy.stat("http.ingress.downstream_cx_rx_bytes_total")).isGreaterThan(40);
    assertThat(proxy.stat("http.ingress.downstream_cx_tx_bytes_total")).isGreaterThan(40);
    assertThat(proxy.stat("cluster.backend.upstream_cx_tx_bytes_total")).isGreaterThan(40);
    assertThat(proxy.stat("cluster.backend.upstream_cx_rx_bytes_total")).isGreaterThan(40);
    assertThat(used("cluster.backend.upstream_cx_connect_ms")).isEqualTo(1);

    String stats = proxy.admin("/stats?filter=cx_length_ms%7Cconnect_ms");
    assertThat(stats).contains("cluster.backend.upstream_cx_connect_ms: P0(");
    assertThat(stats).contains("http.ingress.downstream_cx_length_ms: P0(");
  }

  @Test
  void serverAndManagerStatsDescribeTheRunningProxy() throws Exception {
    upstream = TestHttpServer.http1(TestHttpServer.echo("a"));
    proxy =
        ProxyHarness.start(
            "stats_server_version_override: 42\nstats_flush_on_admin: true\n"
                + bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    staticCluster("backend", "", upstream.port())));

    assertThat(proxy.get("/").statusCode()).isEqualTo(200);
    // stats_flush_on_admin: this request refreshes the gauges and closes the interval.
    String stats =
        proxy.admin("/stats?filter=%5E(server%7Ccluster_manager%7Clistener_manager)%5C.");

    assertThat(stats)
        .contains("server.live: 1\n")
        .contains("server.state: 0\n")
        .contains("server.concurrency: 1\n")
        .contains("server.version: 42\n")
        .contains("server.days_until_first_cert_expiring: 4294967295\n")
        .contains("server.hot_restart_epoch: 0\n")
        .contains("server.static_unknown_fields: 0\n")
        .contains("cluster_manager.active_clusters: 1\n")
        .contains("cluster_manager.cluster_added: 1\n")
        .contains("cluster_manager.warming_clusters: 0\n")
        .contains("listener_manager.listener_added: 1\n")
        .contains("listener_manager.listener_create_success: 1\n")
        .contains("listener_manager.total_listeners_active: 1\n")
        .contains("listener_manager.workers_started: 1\n")
        .containsPattern("server\\.initialization_time_ms: P0\\([0-9.]+,[0-9.]+\\)");
    assertThat(proxy.stat("server.memory_allocated")).isPositive();
    // The first request's flush closed the interval holding the connect; this one closes an empty
    // one.
    assertThat(proxy.admin("/stats?filter=upstream_cx_connect_ms"))
        .containsPattern("upstream_cx_connect_ms: P0\\(nan,[0-9.]+\\)");
  }

  @Test
  void aHostWhose503IsRetriedIsChargedAnErrorAsInEnvoy() throws Exception {
    upstream = TestHttpServer.http1(req -> TestHttpServer.Reply.status(503));
    proxy =
        ProxyHarness.start(
            bootstrap(
                "",
                """
                - match: { prefix: "/" }
                  route:
                    cluster: backend
                    retry_policy: { retry_on: 5xx, num_retries: 1 }
                """,
                staticCluster("backend", "", upstream.port())));

    assertThat(proxy.get("/").statusCode()).isEqualTo(503);

    String host = "backend::127.0.0.1:" + upstream.port() + "::";
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(proxy.admin("/clusters"))
                    .contains(host + "rq_error::2\n")
                    .contains(host + "rq_success::0\n"));
  }
}
