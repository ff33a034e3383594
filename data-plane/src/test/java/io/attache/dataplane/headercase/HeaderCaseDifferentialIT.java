package io.attache.dataplane.headercase;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.RawHttp1Upstream;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/1.1 header key formats against a stock Envoy: the same bootstrap ({@link
 * HeaderCaseScenario}: default lower case, proper_case_words, preserve_case, and the two mixed) run
 * by both proxies, the same raw request sent to each listener, and the bytes compared on both sides
 * — the request head the upstream read and the response head the client read (names with their
 * case, values, the status line's reason phrase), plus a local reply's.
 */
@ExtendWith(StockEnvoyExtension.class)
class HeaderCaseDifferentialIT {
  @TempDir Path dir;
  private Envoy envoy;
  private RawHttp1Upstream upstream;

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    upstream = new RawHttp1Upstream(HeaderCaseScenario.UPSTREAM_RESPONSE);
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
  }

  /** Per listener: what the upstream read, what the client read, and a local reply. */
  private Map<String, List<String>> run(ProxyPair.Side side) throws Exception {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String listener : HeaderCaseScenario.LISTENERS) {
      try (RawHttp1Client client = new RawHttp1Client(side.port(listener), 20_000)) {
        int before = upstream.heads().size();
        client.write(HeaderCaseScenario.request("/p"));
        RawHttp1Client.Response response = client.readResponse();
        assertThat(upstream.heads()).as("%s %s", side.name(), listener).hasSize(before + 1);
        out.put(
            listener + " upstream saw",
            HeaderCaseScenario.comparableHead(upstream.heads().get(before)));
        out.put(listener + " client saw", HeaderCaseScenario.comparable(response));
        client.write(HeaderCaseScenario.request("/direct"));
        out.put(listener + " local reply", HeaderCaseScenario.comparable(client.readResponse()));
      }
    }
    return out;
  }

  @Test
  void attacheWritesTheHeaderCaseAndReasonPhrasesEnvoyWrites() throws Exception {
    try (ProxyPair pair =
        ProxyPair.start(envoy, "header-case", HeaderCaseScenario.bootstrap(upstream.port()), dir)) {
      Map<String, List<String>> fromAttache = run(pair.attache());
      Map<String, List<String>> fromEnvoy = run(pair.envoy());
      assertThat(fromAttache).as("Attaché vs %s", envoy.describe()).isEqualTo(fromEnvoy);
      // What both agree on is what HeaderCaseIT pins for Attaché alone.
      assertThat(fromEnvoy).isEqualTo(HeaderCaseIT.EXPECTED);
    }
  }
}
