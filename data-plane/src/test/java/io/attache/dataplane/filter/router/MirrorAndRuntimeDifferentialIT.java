package io.attache.dataplane.filter.router;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.attache.dataplane.testing.ExchangeRecorder;
import io.attache.dataplane.testing.ExchangeRecorder.Observed;
import io.attache.dataplane.testing.ExchangeRecorder.Request;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two routing features run by Attaché and by a stock Envoy 1.40 on the same bootstrap, compared
 * request by request: {@code request_mirror_policies} (what the shadow cluster's upstream saw — the
 * {@code -shadow} authority, {@code disable_shadow_host_suffix_append}, {@code cluster_header}, a 0
 * % {@code runtime_fraction} — next to what the main upstream saw, and the shadow cluster's stats),
 * and {@code layered_runtime} (a route's {@code runtime_fraction} turned off by a static layer, on
 * and off again through the admin layer's {@code /runtime_modify}, and the {@code runtime.*}
 * gauges).
 */
@ExtendWith(StockEnvoyExtension.class)
class MirrorAndRuntimeDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final Set<String> SEEN_HEADERS =
      Set.of(
          "host",
          "x-forwarded-for",
          "x-forwarded-proto",
          "x-envoy-internal",
          "x-envoy-expected-rq-timeout-ms",
          "x-envoy-original-path",
          "x-mirror-to");

  @TempDir Path dir;
  private Envoy envoy;
  private TestHttpServer main;
  private TestHttpServer shadow;

  @BeforeEach
  void start(Envoy envoy) {
    this.envoy = envoy;
    main = TestHttpServer.http1(TestHttpServer.echo("main"));
    shadow = TestHttpServer.http1(TestHttpServer.echo("shadow"));
  }

  @AfterEach
  void stop() {
    main.close();
    shadow.close();
  }

  /**
   * What one upstream saw of one request: path, method, the compared headers; the proxy's listener
   * port is written {@code PORT}, as {@link ExchangeRecorder} does.
   */
  private static SortedMap<String, String> seen(TestHttpServer.Received r, int port) {
    SortedMap<String, String> out = new TreeMap<>();
    out.put(":path", r.uri());
    out.put(":method", r.method());
    for (String name : SEEN_HEADERS) {
      if (!r.headers().getAll(name).isEmpty()) {
        out.put(name, r.headers().get(name).replace(String.valueOf(port), "PORT"));
      }
    }
    return out;
  }

  @Test
  void mirrorsReachTheShadowClusterAsEnvoysDo() throws Exception {
    String routes =
        """
        - match: { prefix: "/mirror/suffix-off" }
          route:
            cluster: main
            request_mirror_policies:
            - { cluster: shadow, disable_shadow_host_suffix_append: true }
        - match: { prefix: "/mirror/by-header" }
          route:
            cluster: main
            request_mirror_policies:
            - { cluster_header: x-mirror-to }
        - match: { prefix: "/mirror/never" }
          route:
            cluster: main
            request_mirror_policies:
            - cluster: shadow
              runtime_fraction: { default_value: { numerator: 0 } }
        - match: { prefix: "/mirror" }
          route:
            cluster: main
            request_mirror_policies:
            - cluster: shadow
        - match: { prefix: "/" }
          route: { cluster: main }
        """;
    String yaml =
        bootstrap(
            "",
            routes,
            staticCluster("main", "", main.port()) + staticCluster("shadow", "", shadow.port()));
    Map<String, Request> requests = new LinkedHashMap<>();
    // The client's authority is 127.0.0.1:<listener port> (Java's client will not set host).
    requests.put("01 mirrored GET", Request.get("/mirror/a"));
    requests.put("02 mirrored POST", Request.of("POST", "/mirror/b", "hello"));
    requests.put("03 no suffix", Request.get("/mirror/suffix-off"));
    requests.put(
        "04 cluster from a header", Request.get("/mirror/by-header", "x-mirror-to", "shadow"));
    requests.put(
        "05 header names no cluster", Request.get("/mirror/by-header", "x-mirror-to", "nowhere"));
    requests.put("06 runtime 0 %", Request.get("/mirror/never"));
    requests.put("07 not mirrored", Request.get("/plain"));

    ExchangeRecorder recorder =
        new ExchangeRecorder(main, Set.of("content-type", "server"), SEEN_HEADERS);
    Map<String, Map<String, Observed>> observed = new LinkedHashMap<>();
    Map<String, List<SortedMap<String, String>>> shadows = new LinkedHashMap<>();
    Map<String, SortedMap<String, Long>> shadowStats = new LinkedHashMap<>();
    try (ProxyPair pair = ProxyPair.start(envoy, "mirror", yaml, dir)) {
      for (ProxyPair.Side proxy : pair.both()) {
        int before = shadow.received().size();
        int port = proxy.port("ingress");
        observed.put(proxy.name(), recorder.send(port, requests));
        // Shadows are fire and forget: four of the seven requests are mirrored.
        await().atMost(WAIT).until(() -> shadow.received().size() - before >= 4);
        await().atMost(WAIT).until(() -> proxy.stat("cluster.shadow.upstream_rq_completed") >= 4);
        List<SortedMap<String, String>> got = new ArrayList<>();
        shadow
            .received()
            .subList(before, shadow.received().size())
            .forEach(r -> got.add(seen(r, port)));
        got.sort((a, b) -> a.get(":path").compareTo(b.get(":path")));
        shadows.put(proxy.name(), got);
        shadowStats.put(proxy.name(), proxy.statsThatMoved("cluster.shadow.upstream_rq"));
      }
    }

    String attache = "Attaché";
    String stock = envoy.describe();
    assertThat(observed.get(attache)).as("main upstream and client").isEqualTo(observed.get(stock));
    assertThat(shadows.get(attache)).as("what the shadow saw").isEqualTo(shadows.get(stock));
    assertThat(shadowStats.get(attache))
        .as("shadow cluster stats")
        .isEqualTo(shadowStats.get(stock));
    assertThat(shadows.get(attache))
        .extracting(m -> m.get(":path") + " " + m.get("host"))
        .containsExactly(
            "/mirror/a 127.0.0.1-shadow:PORT",
            "/mirror/b 127.0.0.1-shadow:PORT",
            "/mirror/by-header 127.0.0.1-shadow:PORT",
            "/mirror/suffix-off 127.0.0.1:PORT");
  }

  @Test
  void aRuntimeFractionFollowsTheStaticAndAdminLayersAsInEnvoy() throws Exception {
    String routes =
        """
        - match:
            prefix: "/"
            runtime_fraction:
              default_value: { numerator: 100, denominator: HUNDRED }
              runtime_key: routing.canary
          direct_response: { status: 200, body: { inline_string: canary } }
        - match: { prefix: "/" }
          direct_response: { status: 200, body: { inline_string: stable } }
        """;
    String yaml =
        """
        layered_runtime:
          layers:
          - name: base
            static_layer: { routing: { canary: 0 } }
          - name: admin
            admin_layer: {}
        """
            + bootstrap("", routes, "");
    Map<String, List<String>> answers = new LinkedHashMap<>();
    Map<String, List<SortedMap<String, Long>>> runtimeStats = new LinkedHashMap<>();
    try (ProxyPair pair = ProxyPair.start(envoy, "runtime", yaml, dir)) {
      for (ProxyPair.Side proxy : pair.both()) {
        List<String> got = new ArrayList<>();
        List<SortedMap<String, Long>> stats = new ArrayList<>();
        int port = proxy.port("ingress");
        got.add("static 0: " + get(port, "/"));
        stats.add(proxy.statsThatMoved("runtime."));
        got.add("modify: " + post(proxy.adminPort(), "/runtime_modify?routing.canary=100"));
        got.add("admin 100: " + get(port, "/"));
        stats.add(proxy.statsThatMoved("runtime."));
        got.add("modify: " + post(proxy.adminPort(), "/runtime_modify?routing.canary=0"));
        got.add("admin 0: " + get(port, "/"));
        got.add("remove: " + post(proxy.adminPort(), "/runtime_modify?routing.canary="));
        got.add("static again: " + get(port, "/"));
        stats.add(proxy.statsThatMoved("runtime."));
        answers.put(proxy.name(), got);
        runtimeStats.put(proxy.name(), stats);
      }
    }

    String attache = "Attaché";
    String stock = envoy.describe();
    assertThat(answers.get(attache)).isEqualTo(answers.get(stock));
    assertThat(answers.get(attache))
        .containsExactly(
            "static 0: 200 stable",
            "modify: 200 OK\n",
            "admin 100: 200 canary",
            "modify: 200 OK\n",
            "admin 0: 200 stable",
            "remove: 200 OK\n",
            "static again: 200 stable");
    assertThat(runtimeStats.get(attache)).as("runtime.*").isEqualTo(runtimeStats.get(stock));
  }

  private static String get(int port, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(WAIT)
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }

  private static String post(int port, String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                    .timeout(WAIT)
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    return r.statusCode() + " " + r.body();
  }
}
