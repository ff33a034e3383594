package io.attache.dataplane.filter.csrf;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
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
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One CSRF bootstrap run by Attaché and by a stock Envoy with the same requests: methods, origins,
 * referers, ports, an opaque origin, shadow mode and additional origins must get the same status
 * and body from each, reach the upstream alike, and count the same {@code csrf} stats.
 */
@ExtendWith(StockEnvoyExtension.class)
class CsrfDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private Envoy envoy;
  private TestHttpServer upstream;
  private final List<AutoCloseable> closeAfter = new ArrayList<>();

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
    closeAfter.add(upstream);
  }

  @AfterEach
  void stop() throws Exception {
    for (int i = closeAfter.size() - 1; i >= 0; i--) {
      closeAfter.get(i).close();
    }
  }

  /** What one request got, and whether it reached the upstream. */
  record Verdict(int status, String body, boolean reachedUpstream) {}

  private Map<String, Verdict> run(int port, Map<String, String[]> requests) throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    Map<String, Verdict> out = new LinkedHashMap<>();
    for (Map.Entry<String, String[]> e : requests.entrySet()) {
      String[] r = e.getValue(); // method, path, then header pairs; PORT is the listener's
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + r[1]))
              .timeout(Duration.ofSeconds(20))
              .method(r[0], HttpRequest.BodyPublishers.ofString("x=1"));
      for (int i = 2; i < r.length; i += 2) {
        b.header(r[i], r[i + 1].replace("PORT", String.valueOf(port)));
      }
      int before = upstream.received().size();
      HttpResponse<String> response = client.send(b.build(), HttpResponse.BodyHandlers.ofString());
      out.put(
          e.getKey(),
          new Verdict(
              response.statusCode(),
              response.statusCode() == 200 ? "" : response.body(),
              upstream.received().size() > before));
    }
    return out;
  }

  @Test
  void attacheAndEnvoyRefuseTheSameRequestsAndCountThemAlike() throws Exception {
    Map<String, String[]> requests = new LinkedHashMap<>();
    requests.put("same origin", new String[] {"POST", "/t", "origin", "http://127.0.0.1:PORT"});
    requests.put(
        "same origin, https", new String[] {"PUT", "/t", "origin", "https://127.0.0.1:PORT/x"});
    requests.put("other port", new String[] {"POST", "/t", "origin", "http://127.0.0.1:1"});
    requests.put("no port", new String[] {"POST", "/t", "origin", "http://127.0.0.1"});
    requests.put("other host", new String[] {"DELETE", "/t", "origin", "http://evil.example"});
    requests.put("opaque origin", new String[] {"POST", "/t", "origin", "null"});
    requests.put(
        "referer only", new String[] {"PATCH", "/t", "referer", "http://127.0.0.1:PORT/form"});
    requests.put(
        "foreign referer", new String[] {"POST", "/t", "referer", "http://evil.example/form"});
    requests.put("neither", new String[] {"POST", "/t"});
    requests.put("foreign GET", new String[] {"GET", "/t", "origin", "http://evil.example"});
    requests.put("shadow", new String[] {"POST", "/csrf/shadow", "origin", "http://evil.example"});
    requests.put(
        "partner",
        new String[] {"POST", "/csrf/additional_origin", "origin", "https://app.partner.example"});
    requests.put(
        "not partner",
        new String[] {"POST", "/csrf/additional_origin", "origin", "https://partner.example.evil"});

    String yaml = CsrfIT.yaml(upstream.port());
    ProxyHarness attache = ProxyHarness.start(yaml);
    closeAfter.add(attache::close);
    Map<String, Verdict> fromAttache = run(attache.port(), requests);
    long[] attacheStats = stats(attache::stat);

    RunningEnvoy running = envoy.start("csrf", yaml, dir.resolve("envoy"));
    closeAfter.add(running);
    Map<String, Verdict> fromEnvoy = run(ProxyPair.listenerPort(running, "ingress"), requests);
    long[] envoyStats = stats(running::stat);

    assertThat(fromAttache).as("Attaché vs %s", envoy.describe()).isEqualTo(fromEnvoy);
    assertThat(fromAttache.get("other host").status()).isEqualTo(403);
    assertThat(fromAttache.get("same origin").status()).isEqualTo(200);
    assertThat(attacheStats)
        .as("missing_source_origin, request_invalid, request_valid")
        .isEqualTo(envoyStats);
  }

  interface StatSource {
    long stat(String name) throws Exception;
  }

  private static long[] stats(StatSource source) throws Exception {
    return new long[] {
      source.stat(CsrfIT.P + "missing_source_origin"),
      source.stat(CsrfIT.P + "request_invalid"),
      source.stat(CsrfIT.P + "request_valid")
    };
  }
}
