package io.attache.dataplane.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.xds.type.matcher.v3.Matcher;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnifiedMatcherTest {
  private static final String REQUEST_HEADER =
      "'@type': type.googleapis.com/envoy.type.matcher.v3.HttpRequestHeaderMatchInput";
  private static final String RESPONSE_HEADER =
      "'@type': type.googleapis.com/envoy.type.matcher.v3.HttpResponseHeaderMatchInput";

  /** The action is the action's name, so a test reads which branch was taken. */
  private static UnifiedMatcher<String> compile(String yaml) throws ConfigException {
    return UnifiedMatcher.compile(
        BootstrapLoader.parseYaml(yaml, Matcher.newBuilder()).build(),
        (action, path) -> action.getName(),
        "matcher");
  }

  private static String action(String name) {
    return "{action: {name: "
        + name
        + ", typed_config: {'@type': type.googleapis.com/envoy.extensions.filters.http.router.v3.Router}}}";
  }

  private static String headerPredicate(String header, String exact) {
    return "{single_predicate: {input: {name: i, typed_config: {"
        + REQUEST_HEADER
        + ", header_name: "
        + header
        + "}}, value_match: {exact: "
        + exact
        + "}}}";
  }

  private record Data(HeaderSource requestHeaders, HeaderSource responseHeaders)
      implements MatchingData {}

  private static Data request(String uri, String... headerPairs) {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, uri);
    for (int i = 0; i < headerPairs.length; i += 2) {
      request.headers().add(headerPairs[i], headerPairs[i + 1]);
    }
    return new Data(HeaderSource.ofRequest(request, "http"), null);
  }

  private static Data withResponse(Data request, int status, String... headerPairs) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (int i = 0; i < headerPairs.length; i += 2) {
      headers.add(headerPairs[i], headerPairs[i + 1]);
    }
    return new Data(request.requestHeaders(), HeaderSource.ofResponse(status, headers));
  }

  private static String matched(UnifiedMatcher<String> matcher, MatchingData data) {
    UnifiedMatcher.Result<String> result = matcher.match(data);
    assertThat(result.needsMoreData()).isFalse();
    return result.action();
  }

  @Test
  void aSinglePredicateOnARequestHeaderTakesTheFirstMatchingEntry() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: ["
                + "{predicate: "
                + headerPredicate("x-a", "one")
                + ", on_match: "
                + action("first")
                + "},"
                + "{predicate: "
                + headerPredicate("X-A", "one")
                + ", on_match: "
                + action("second")
                + "}]}");

    assertThat(matched(m, request("/", "x-a", "one"))).isEqualTo("first");
    assertThat(matched(m, request("/", "x-a", "two"))).isNull();
    assertThat(matched(m, request("/"))).as("an absent header matches nothing").isNull();
  }

  @Test
  void severalValuesOfOneHeaderAreMatchedJoinedWithCommas() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: [{predicate: "
                + headerPredicate("x-a", "'a,b'")
                + ", on_match: "
                + action("joined")
                + "}]}");

    assertThat(matched(m, request("/", "x-a", "a", "x-a", "b"))).isEqualTo("joined");
  }

  @Test
  void orAndAndNotCombinePredicates() throws Exception {
    String a = headerPredicate("x-a", "1");
    String b = headerPredicate("x-b", "1");
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: ["
                + "{predicate: {and_matcher: {predicate: ["
                + a
                + ", "
                + b
                + "]}}, on_match: "
                + action("both")
                + "},"
                + "{predicate: {or_matcher: {predicate: ["
                + a
                + ", "
                + b
                + "]}}, on_match: "
                + action("either")
                + "},"
                + "{predicate: {not_matcher: "
                + a
                + "}, on_match: "
                + action("not-a")
                + "}]}");

    assertThat(matched(m, request("/", "x-a", "1", "x-b", "1"))).isEqualTo("both");
    assertThat(matched(m, request("/", "x-b", "1"))).isEqualTo("either");
    assertThat(matched(m, request("/", "x-a", "1"))).isEqualTo("either");
    assertThat(matched(m, request("/"))).isEqualTo("not-a");
  }

  @Test
  void onNoMatchRunsWhenNothingMatches() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: [{predicate: "
                + headerPredicate("x-a", "1")
                + ", on_match: "
                + action("a")
                + "}]}\non_no_match: "
                + action("fallback"));

    assertThat(matched(m, request("/", "x-a", "1"))).isEqualTo("a");
    assertThat(matched(m, request("/"))).isEqualTo("fallback");
  }

  @Test
  void anExactMatchMapLooksTheInputUp() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_tree: {input: {name: i, typed_config: {"
                + REQUEST_HEADER
                + ", header_name: x-tenant}}, exact_match_map: {map: {"
                + "gold: "
                + action("gold")
                + ", silver: "
                + action("silver")
                + "}}}\non_no_match: "
                + action("other"));

    assertThat(matched(m, request("/", "x-tenant", "gold"))).isEqualTo("gold");
    assertThat(matched(m, request("/", "x-tenant", "silver"))).isEqualTo("silver");
    assertThat(matched(m, request("/", "x-tenant", "golden"))).isEqualTo("other");
    assertThat(matched(m, request("/"))).isEqualTo("other");
  }

  @Test
  void aPrefixMatchMapPrefersTheLongestPrefixAndFallsBackWhenItsNestedMatcherFails()
      throws Exception {
    String nested =
        "{matcher: {matcher_list: {matchers: [{predicate: "
            + headerPredicate("x-debug", "1")
            + ", on_match: "
            + action("api-v1-debug")
            + "}]}}}";
    UnifiedMatcher<String> m =
        compile(
            "matcher_tree: {input: {name: i, typed_config: {"
                + REQUEST_HEADER
                + ", header_name: ':path'}}, prefix_match_map: {map: {"
                + "'/api/': "
                + action("api")
                + ", '/api/v1/': "
                + nested
                + "}}}");

    assertThat(matched(m, request("/api/v1/x", "x-debug", "1"))).isEqualTo("api-v1-debug");
    assertThat(matched(m, request("/api/v1/x"))).isEqualTo("api");
    assertThat(matched(m, request("/apix"))).isNull();
  }

  @Test
  void theQueryParamInputReadsTheFirstDecodedValue() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_tree: {input: {name: i, typed_config: {'@type':"
                + " type.googleapis.com/envoy.type.matcher.v3.HttpRequestQueryParamMatchInput,"
                + " query_param: user}}, exact_match_map: {map: {'a b': "
                + action("found")
                + "}}}");

    assertThat(matched(m, request("/p?x=1&user=a%20b&user=c"))).isEqualTo("found");
    assertThat(matched(m, request("/p?user=c&user=a%20b"))).isNull();
    assertThat(matched(m, request("/p"))).isNull();
  }

  @Test
  void aResponseHeaderInputWaitsForTheResponse() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: [{predicate: {single_predicate: {input: {name: i,"
                + " typed_config: {"
                + RESPONSE_HEADER
                + ", header_name: ':status'}}, value_match: {prefix: '5'}}}, on_match: "
                + action("error")
                + "}]}\non_no_match: "
                + action("ok"));
    Data request = request("/");

    assertThat(m.match(request).needsMoreData()).isTrue();
    assertThat(matched(m, withResponse(request, 503))).isEqualTo("error");
    assertThat(matched(m, withResponse(request, 200))).isEqualTo("ok");
  }

  @Test
  void aRequestTrailerInputWaitsForTheTrailersAndAStreamWithoutThemNeverDecides() throws Exception {
    UnifiedMatcher<String> m =
        compile(
            "matcher_list: {matchers: [{predicate: {single_predicate: {input: {name: i,"
                + " typed_config: {'@type':"
                + " type.googleapis.com/envoy.type.matcher.v3.HttpRequestTrailerMatchInput,"
                + " header_name: X-Verdict}}, value_match: {exact: 'skip,again'}}}, on_match: "
                + action("skip")
                + "}]}\non_no_match: "
                + action("run"));
    Data request = request("/");
    HttpHeaders trailers =
        new DefaultHttpHeaders().add("x-verdict", "skip").add("x-verdict", "again");
    MatchingData withTrailers =
        new MatchingData() {
          @Override
          public HeaderSource requestHeaders() {
            return request.requestHeaders();
          }

          @Override
          public HeaderSource responseHeaders() {
            return null;
          }

          @Override
          public HeaderSource requestTrailers() {
            return HeaderSource.ofTrailers(trailers);
          }
        };

    assertThat(m.match(request).needsMoreData()).isTrue();
    assertThat(m.match(withResponse(request, 200)).needsMoreData()).isTrue();
    assertThat(matched(m, withTrailers)).isEqualTo("skip");
  }

  @Test
  void envoysOlderMatcherMessageIsReadAsTheXdsOne() throws Exception {
    io.envoyproxy.envoy.config.common.matcher.v3.Matcher proto =
        BootstrapLoader.parseYaml(
                "matcher_list: {matchers: [{predicate: "
                    + headerPredicate("x-a", "1")
                    + ", on_match: "
                    + action("a")
                    + "}]}",
                io.envoyproxy.envoy.config.common.matcher.v3.Matcher.newBuilder())
            .build();
    UnifiedMatcher<String> m =
        UnifiedMatcher.compile(proto, (action, path) -> action.getName(), "matcher");

    assertThat(matched(m, request("/", "x-a", "1"))).isEqualTo("a");
  }

  @Test
  void theInspectorsInputsAreRefusedOnAnHttpStreamAsInEnvoy() {
    for (String input : List.of("TransportProtocolInput", "ApplicationProtocolInput")) {
      assertThatThrownBy(
              () ->
                  compile(
                      "matcher_tree: {input: {name: i, typed_config: {'@type':"
                          + " type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3."
                          + input
                          + "}}, exact_match_map: {map: {a: "
                          + action("a")
                          + "}}}"))
          .as(input)
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("matcher.matcher_tree.input.typed_config")
          .hasMessageContaining("not an HTTP input");
    }
  }

  @Test
  void whatIsNotRunIsRefusedByFieldPath() {
    assertThatThrownBy(
            () ->
                compile(
                    "matcher_tree: {input: {name: i, typed_config: {'@type':"
                        + " type.googleapis.com/envoy.extensions.matching.common_inputs.network.v3.FilterStateInput,"
                        + " key: x}}, exact_match_map: {map: {a: "
                        + action("a")
                        + "}}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("matcher.matcher_tree.input.typed_config")
        .hasMessageContaining("FilterStateInput");
    assertThatThrownBy(
            () ->
                compile(
                    "matcher_list: {matchers: [{predicate: {or_matcher: {predicate: ["
                        + headerPredicate("x-a", "1")
                        + "]}}, on_match: "
                        + action("a")
                        + "}]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("matcher.matcher_list.matchers[0].predicate.or_matcher.predicate");
    assertThatThrownBy(
            () ->
                compile(
                    "matcher_list: {matchers: [{predicate: "
                        + headerPredicate("x-a", "1")
                        + ", on_match: {}}]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("matcher.matcher_list.matchers[0].on_match");
    assertThatThrownBy(
            () ->
                compile(
                    "matcher_list: {matchers: [{predicate: {single_predicate: {input: {name: i,"
                        + " typed_config: {"
                        + REQUEST_HEADER
                        + ", header_name: x}}, value_match: {safe_regex: {regex: '(a'}}}},"
                        + " on_match: "
                        + action("a")
                        + "}]}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("value_match.safe_regex.regex");
  }
}
