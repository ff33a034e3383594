package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class HeaderMutationsTest {
  private static String add(String key, String value, String extra) {
    return "{\"header\":{\"key\":\"" + key + "\",\"value\":\"" + value + "\"}" + extra + "}";
  }

  private static RouteTable levels(boolean mostSpecificWins) {
    return TestConfigs.table(
        "{\"most_specific_header_mutations_wins\":"
            + mostSpecificWins
            + ","
            + "\"request_headers_to_add\":["
            + add("x-level", "config", ",\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"")
            + ","
            + add("x-order", "config", "")
            + "],"
            + "\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],"
            + "\"request_headers_to_add\":["
            + add("x-level", "vhost", ",\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"")
            + ","
            + add("x-order", "vhost", "")
            + "],"
            + "\"routes\":[{\"match\":{\"prefix\":\"/\"},"
            + "\"request_headers_to_add\":["
            + add("x-level", "route", ",\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"")
            + ","
            + add("x-order", "route", "")
            + "],"
            + "\"route\":{\"weighted_clusters\":{\"clusters\":[{\"name\":\"c\",\"weight\":1,"
            + "\"request_headers_to_add\":["
            + add("x-level", "cluster", ",\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\"")
            + ","
            + add("x-order", "cluster", "")
            + "]}]}}}]}]}");
  }

  private static HttpRequest finalizeOn(RouteTable table) {
    HttpRequest request = TestConfigs.get("h", "/");
    RouteDecision.Forward forward =
        (RouteDecision.Forward) table.route(request, RandomSource.seeded(3));
    forward.finalizeRequest(
        request,
        FormatterContext.Snapshot.forRequest(null, null, "HTTP/1.1", request.headers()),
        false);
    return request;
  }

  @Test
  void byDefaultTheLeastSpecificLevelRunsLastAndWins() {
    HttpRequest request = finalizeOn(levels(false));
    assertThat(request.headers().getAll("x-order"))
        .containsExactly("cluster", "route", "vhost", "config");
    assertThat(request.headers().get("x-level")).isEqualTo("config");
  }

  @Test
  void mostSpecificHeaderMutationsWinsReversesRouteVhostAndConfigButNotTheClusterLevel() {
    HttpRequest request = finalizeOn(levels(true));
    assertThat(request.headers().getAll("x-order"))
        .containsExactly("cluster", "config", "vhost", "route");
    assertThat(request.headers().get("x-level")).isEqualTo("route");
  }

  private static HttpHeaders applyRouteLevel(
      String additions, String removals, HttpHeaders headers) {
    RouteTable table =
        TestConfigs.routes(
            "[{\"match\":{\"prefix\":\"/\"},\"request_headers_to_add\":["
                + additions
                + "],"
                + "\"request_headers_to_remove\":["
                + removals
                + "],\"route\":{\"cluster\":\"c\"}}]");
    RouteDecision.Forward forward =
        (RouteDecision.Forward) TestConfigs.route(table, TestConfigs.get("h", "/"));
    forward.requestHeaderMutations().apply(headers, new FakeContext(headers));
    return headers;
  }

  @Test
  void appendActionsBehaveAsEnvoyDocumentsThem() {
    HttpHeaders headers =
        new DefaultHttpHeaders()
            .add("x-append", "old")
            .add("x-absent", "old")
            .add("x-over", "old1")
            .add("x-over", "old2")
            .add("x-if-exists", "old");
    applyRouteLevel(
        String.join(
            ",",
            add("x-append", "new", ""),
            add("x-absent", "new", ",\"append_action\":\"ADD_IF_ABSENT\""),
            add("x-fresh", "new", ",\"append_action\":\"ADD_IF_ABSENT\""),
            add("x-over", "new", ",\"append_action\":\"OVERWRITE_IF_EXISTS_OR_ADD\""),
            add("x-if-exists", "new", ",\"append_action\":\"OVERWRITE_IF_EXISTS\""),
            add("x-not-there", "new", ",\"append_action\":\"OVERWRITE_IF_EXISTS\""),
            add("x-legacy", "new", ",\"append\":false")),
        "",
        headers);
    assertThat(headers.getAll("x-append")).containsExactly("old", "new");
    assertThat(headers.getAll("x-absent")).containsExactly("old");
    assertThat(headers.getAll("x-fresh")).containsExactly("new");
    assertThat(headers.getAll("x-over")).containsExactly("new");
    assertThat(headers.getAll("x-if-exists")).containsExactly("new");
    assertThat(headers.contains("x-not-there")).isFalse();
    assertThat(headers.getAll("x-legacy")).containsExactly("new");
  }

  @Test
  void removalHappensBeforeAdditionAndEmptyValuesAreDroppedUnlessKept() {
    HttpHeaders headers = new DefaultHttpHeaders().add("x-gone", "old").add("x-src", "");
    applyRouteLevel(
        String.join(
            ",",
            add("x-gone", "re-added", ""),
            add("x-empty", "%REQ(x-missing)%", ""),
            add("x-kept", "%REQ(x-missing)%", ",\"keep_empty_value\":true")),
        "\"x-gone\"",
        headers);
    assertThat(headers.getAll("x-gone")).containsExactly("re-added");
    assertThat(headers.contains("x-empty")).isFalse();
    assertThat(headers.getAll("x-kept")).containsExactly("");
  }

  @Test
  void formatterCommandsReadTheContext() {
    HttpHeaders headers =
        new DefaultHttpHeaders().add("x-user", "alice-long-name").add("x-alt", "fallback");
    applyRouteLevel(
        String.join(
            ",",
            add("x-client", "%DOWNSTREAM_REMOTE_ADDRESS%", ""),
            add("x-client-ip", "%DOWNSTREAM_REMOTE_ADDRESS_WITHOUT_PORT%", ""),
            add("x-client-v6", "[%DOWNSTREAM_LOCAL_ADDRESS%]", ""),
            add("x-upstream", "%UPSTREAM_REMOTE_ADDRESS%", ",\"keep_empty_value\":true"),
            add("x-proto", "%PROTOCOL%", ""),
            add("x-user-short", "u=%REQ(x-user):5%", ""),
            add("x-alternative", "%REQ(x-none?x-alt)%", ""),
            add("x-percent", "100%% sure", "")),
        "",
        headers);
    assertThat(headers.get("x-client")).isEqualTo("10.0.0.1:4567");
    assertThat(headers.get("x-client-ip")).isEqualTo("10.0.0.1");
    assertThat(headers.get("x-client-v6")).isEqualTo("[[::1]:15001]");
    assertThat(headers.get("x-upstream")).isEmpty();
    assertThat(headers.get("x-proto")).isEqualTo("HTTP/2");
    assertThat(headers.get("x-user-short")).isEqualTo("u=alice");
    assertThat(headers.get("x-alternative")).isEqualTo("fallback");
    assertThat(headers.get("x-percent")).isEqualTo("100% sure");
  }

  @Test
  void rawValueIsTakenLiterally() {
    HttpHeaders headers = new DefaultHttpHeaders();
    applyRouteLevel(
        "{\"header\":{\"key\":\"x-raw\",\"raw_value\":\""
            + java.util.Base64.getEncoder().encodeToString("%NOT_A_COMMAND%".getBytes())
            + "\"}}",
        "",
        headers);
    assertThat(headers.get("x-raw")).isEqualTo("%NOT_A_COMMAND%");
  }

  /** A hand-written context with fixed addresses. */
  private record FakeContext(HttpHeaders requestHeaders) implements FormatterContext {
    @Override
    public Optional<InetSocketAddress> downstreamRemoteAddress() {
      return Optional.of(new InetSocketAddress("10.0.0.1", 4567));
    }

    @Override
    public Optional<InetSocketAddress> downstreamLocalAddress() {
      return Optional.of(new InetSocketAddress("::1", 15001));
    }

    @Override
    public Optional<InetSocketAddress> upstreamRemoteAddress() {
      return Optional.empty();
    }

    @Override
    public String protocol() {
      return "HTTP/2";
    }

    @Override
    public HttpHeaders responseHeaders() {
      return EmptyHttpHeaders.INSTANCE;
    }
  }

  @Test
  void aValueOfWhitespaceReachesTheUpstreamAsAnEmptyValueAndSurroundingWhitespaceIsDropped() {
    // Envoy's datadog-tracing example adds "X-Foobar-Banana: '   '"; its upstream sees "".
    HttpHeaders headers =
        applyRouteLevel(
            add("x-foobar-banana", "   ", "") + "," + add("x-padded", "\\t a b ", ""),
            "",
            new DefaultHttpHeaders());
    assertThat(headers.get("x-foobar-banana")).isEmpty();
    assertThat(headers.get("x-padded")).isEqualTo("a b");
  }
}
