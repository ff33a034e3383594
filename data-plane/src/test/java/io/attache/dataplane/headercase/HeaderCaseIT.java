package io.attache.dataplane.headercase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.RawHttp1Client;
import io.attache.dataplane.testing.RawHttp1Upstream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * HTTP/1.1 header key formats through real sockets on both sides of Attaché: the bytes a raw
 * upstream reads and a raw client reads for each listener of {@link HeaderCaseScenario}, pinned
 * line by line (HeaderCaseDifferentialIT checks that a stock Envoy writes the same), and a stateful
 * formatter Attaché does not know refused with the field named.
 */
class HeaderCaseIT {
  /** Per listener: the request head the upstream read, the response and a local reply. */
  static final Map<String, List<String>> EXPECTED = new LinkedHashMap<>();

  static {
    EXPECTED.put(
        "lower upstream saw",
        List.of(
            "GET /p HTTP/1.1",
            "host: Example.Test",
            "x-dup: 1",
            "x-dup: 2",
            "x-envoy-expected-rq-timeout-ms: 15000",
            "x-forwarded-proto: http",
            "x-lower: l",
            "x-mixed-case: v",
            "x-request-id: *",
            "x-route-added: r"));
    EXPECTED.put(
        "lower client saw",
        List.of(
            "HTTP/1.1 200 OK",
            "content-length: 2",
            "content-type: text/plain",
            "date: *",
            "server: envoy",
            "x-dup: 1",
            "x-dup: 2",
            "x-envoy-upstream-service-time: *",
            "x-route-resp: r",
            "x-upstream-mixed: a",
            "body: ok"));
    EXPECTED.put(
        "lower local reply",
        List.of(
            "HTTP/1.1 418 Unknown",
            "content-length: 6",
            "content-type: text/plain",
            "date: *",
            "server: envoy",
            "body: teapot"));
    EXPECTED.put(
        "proper upstream saw",
        List.of(
            "GET /p HTTP/1.1",
            "Host: Example.Test",
            "X-Dup: 1",
            "X-Dup: 2",
            "X-Envoy-Expected-Rq-Timeout-Ms: 15000",
            "X-Forwarded-Proto: http",
            "X-Lower: l",
            "X-Mixed-Case: v",
            "X-Request-Id: *",
            "X-Route-Added: r"));
    EXPECTED.put(
        "proper client saw",
        List.of(
            "HTTP/1.1 200 OK",
            "Content-Length: 2",
            "Content-Type: text/plain",
            "Date: *",
            "Server: envoy",
            "X-Dup: 1",
            "X-Dup: 2",
            "X-Envoy-Upstream-Service-Time: *",
            "X-Route-Resp: r",
            "X-Upstream-Mixed: a",
            "body: ok"));
    EXPECTED.put(
        "proper local reply",
        List.of(
            "HTTP/1.1 418 Unknown",
            "Content-Length: 6",
            "Content-Type: text/plain",
            "Date: *",
            "Server: envoy",
            "body: teapot"));
    // The client's case goes up (first case wins: X-DUP twice); what the proxy added is lower case.
    EXPECTED.put(
        "preserve upstream saw",
        List.of(
            "GET /p HTTP/1.1",
            "Host: Example.Test",
            "X-DUP: 1",
            "X-DUP: 2",
            "X-Mixed-Case: v",
            "x-envoy-expected-rq-timeout-ms: 15000",
            "x-forwarded-proto: http",
            "x-lower: l",
            "x-request-id: *",
            "x-route-added: r"));
    // The upstream's case and reason phrase come down; what the proxy added is in proper case.
    EXPECTED.put(
        "preserve client saw",
        List.of(
            "HTTP/1.1 200 Everything Fine",
            "CONTENT-TYPE: text/plain",
            "Content-Length: 2",
            "Date: *",
            "Server: envoy",
            "X-Dup: 1",
            "X-Dup: 2",
            "X-Envoy-Upstream-Service-Time: *",
            "X-Route-Resp: r",
            "X-Upstream-Mixed: a",
            "body: ok"));
    // A local reply carries no formatter, and preserve_case has none of its own: lower case.
    EXPECTED.put(
        "preserve local reply",
        List.of(
            "HTTP/1.1 418 Unknown",
            "content-length: 6",
            "content-type: text/plain",
            "date: *",
            "server: envoy",
            "body: teapot"));
    // The HCM's proper_case_words is stateless: nothing is carried up, and the cluster's
    // preserve_case has no formatter of its own, so the request goes up in lower case ...
    EXPECTED.put(
        "mixed upstream saw",
        List.of(
            "GET /p HTTP/1.1",
            "host: Example.Test",
            "x-dup: 1",
            "x-dup: 2",
            "x-envoy-expected-rq-timeout-ms: 15000",
            "x-forwarded-proto: http",
            "x-lower: l",
            "x-mixed-case: v",
            "x-request-id: *",
            "x-route-added: r"));
    // ... and the response carries the cluster's formatter, which wins over the HCM's.
    EXPECTED.put(
        "mixed client saw",
        List.of(
            "HTTP/1.1 200 OK",
            "CONTENT-TYPE: text/plain",
            "Content-Length: 2",
            "X-Dup: 1",
            "X-Dup: 2",
            "X-Upstream-Mixed: a",
            "date: *",
            "server: envoy",
            "x-envoy-upstream-service-time: *",
            "x-route-resp: r",
            "body: ok"));
    EXPECTED.put(
        "mixed local reply",
        List.of(
            "HTTP/1.1 418 Unknown",
            "Content-Length: 6",
            "Content-Type: text/plain",
            "Date: *",
            "Server: envoy",
            "body: teapot"));
  }

  private RawHttp1Upstream upstream;

  @BeforeEach
  void start() throws Exception {
    upstream = new RawHttp1Upstream(HeaderCaseScenario.UPSTREAM_RESPONSE);
  }

  @AfterEach
  void stop() throws Exception {
    upstream.close();
  }

  @Test
  void writesEachListenersAndClustersHeaderCaseOnTheWire() throws Exception {
    Map<String, List<String>> seen = new LinkedHashMap<>();
    try (ProxyHarness proxy = ProxyHarness.start(HeaderCaseScenario.bootstrap(upstream.port()))) {
      for (String listener : HeaderCaseScenario.LISTENERS) {
        int port = proxy.server().listenerAddresses().get(listener).getPort();
        try (RawHttp1Client client = new RawHttp1Client(port, 20_000)) {
          int before = upstream.heads().size();
          client.write(HeaderCaseScenario.request("/p"));
          RawHttp1Client.Response response = client.readResponse();
          seen.put(
              listener + " upstream saw",
              HeaderCaseScenario.comparableHead(upstream.heads().get(before)));
          seen.put(listener + " client saw", HeaderCaseScenario.comparable(response));
          client.write(HeaderCaseScenario.request("/direct"));
          seen.put(listener + " local reply", HeaderCaseScenario.comparable(client.readResponse()));
        }
      }
    }
    assertThat(seen).isEqualTo(EXPECTED);
  }

  @Test
  void refusesAStatefulFormatterItDoesNotKnowNamingTheField() {
    // The preserve listener's formatter (the first in the file) becomes a type Attaché never runs.
    String yaml =
        HeaderCaseScenario.bootstrap(upstream.port())
            .replaceFirst(
                "envoy\\.extensions\\.http\\.header_formatters\\.preserve_case\\.v3"
                    + "\\.PreserveCaseFormatterConfig\n(\\s+)forward_reason_phrase: false\n"
                    + "\\s+formatter_type_on_envoy_headers: DEFAULT",
                "google.protobuf.StringValue\n$1value: x");
    assertThat(yaml).contains("google.protobuf.StringValue");
    assertThatThrownBy(() -> ProxyHarness.start(yaml).close())
        .hasMessageContaining("http_protocol_options.header_key_format.stateful_formatter");
  }
}
