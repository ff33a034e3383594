package io.attache.dataplane.router;

import static io.attache.dataplane.router.TestConfigs.cluster;
import static io.attache.dataplane.router.TestConfigs.get;
import static io.attache.dataplane.router.TestConfigs.route;
import static io.attache.dataplane.router.TestConfigs.routes;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import org.junit.jupiter.api.Test;

class RouteMatchTest {
  private static RouteTable one(String match) {
    return routes("[{\"match\":" + match + ",\"route\":{\"cluster\":\"hit\"}}]");
  }

  private static boolean hits(RouteTable table, HttpRequest request) {
    return cluster(route(table, request)).equals("hit");
  }

  @Test
  void tlsContextPresentedMatchesOnlyAConnectionWithAValidatedClientCertificate() {
    RouteTable table = one("{\"prefix\":\"/\",\"tls_context\":{\"presented\":true}}");
    RequestContext mutual =
        new RequestContext(java.util.Optional.of("https"), java.util.Optional.empty(), true);
    RequestContext oneWay =
        new RequestContext(java.util.Optional.of("https"), java.util.Optional.empty(), false);
    assertThat(cluster(table.route(get("h", "/"), RandomSource.seeded(1), mutual)))
        .isEqualTo("hit");
    assertThat(table.route(get("h", "/"), RandomSource.seeded(1), oneWay))
        .isInstanceOf(RouteDecision.NoRoute.class);
    RouteTable notValidated = one("{\"prefix\":\"/\",\"tls_context\":{\"validated\":false}}");
    assertThat(cluster(notValidated.route(get("h", "/"), RandomSource.seeded(1), oneWay)))
        .isEqualTo("hit");
  }

  @Test
  void prefixMatchesTheStartOfThePathIgnoringTheQuery() {
    RouteTable table = one("{\"prefix\":\"/api\"}");
    assertThat(hits(table, get("h", "/api/v1?x=1"))).isTrue();
    assertThat(hits(table, get("h", "/apiary"))).isTrue();
    assertThat(hits(table, get("h", "/ap?i"))).isFalse();
    assertThat(hits(table, get("h", "/API"))).isFalse();
  }

  @Test
  void pathMatchesExactlyWithoutTheQuery() {
    RouteTable table = one("{\"path\":\"/exact\"}");
    assertThat(hits(table, get("h", "/exact?q=1"))).isTrue();
    assertThat(hits(table, get("h", "/exact/"))).isFalse();
  }

  @Test
  void caseSensitiveFalseAppliesToPrefixAndPath() {
    assertThat(hits(one("{\"prefix\":\"/Api\",\"case_sensitive\":false}"), get("h", "/aPI/x")))
        .isTrue();
    assertThat(hits(one("{\"path\":\"/Api\",\"case_sensitive\":false}"), get("h", "/API")))
        .isTrue();
  }

  @Test
  void pathSeparatedPrefixMatchesWholeSegmentsOnly() {
    RouteTable table = one("{\"path_separated_prefix\":\"/api/dev\"}");
    assertThat(hits(table, get("h", "/api/dev"))).isTrue();
    assertThat(hits(table, get("h", "/api/dev/"))).isTrue();
    assertThat(hits(table, get("h", "/api/dev/v1"))).isTrue();
    assertThat(hits(table, get("h", "/api/dev?param=true"))).isTrue();
    assertThat(hits(table, get("h", "/api/developer"))).isFalse();
  }

  @Test
  void safeRegexMustMatchTheWholePathWithoutQuery() {
    RouteTable table = one("{\"safe_regex\":{\"regex\":\"/users/[0-9]+\"}}");
    assertThat(hits(table, get("h", "/users/42?x=y"))).isTrue();
    assertThat(hits(table, get("h", "/users/42/posts"))).isFalse();
    assertThat(hits(table, get("h", "/v1/users/42"))).isFalse();
  }

  @Test
  void ignorePathParametersInPathMatchingDropsSemicolonParams() {
    String vh =
        "{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":[{\"match\":{\"path\":\"/a\"},\"route\":{\"cluster\":\"hit\"}}]}";
    RouteTable ignoring =
        TestConfigs.table(
            "{\"ignore_path_parameters_in_path_matching\":true,\"virtual_hosts\":[" + vh + "]}");
    RouteTable strict = TestConfigs.table("{\"virtual_hosts\":[" + vh + "]}");
    assertThat(hits(ignoring, get("h", "/a;jsessionid=1?x"))).isTrue();
    assertThat(hits(strict, get("h", "/a;jsessionid=1"))).isFalse();
  }

  @Test
  void firstMatchingRouteWins() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"first\"}},"
                + "{\"match\":{\"path\":\"/specific\"},\"route\":{\"cluster\":\"second\"}}]");
    assertThat(cluster(route(table, get("h", "/specific")))).isEqualTo("first");
  }

  @Test
  void headerStringMatchersCoverExactPrefixSuffixContainsAndRegex() {
    String[][] cases = {
      {"{\"exact\":\"abc\"}", "abc", "abcd"},
      {"{\"prefix\":\"ab\"}", "abz", "zab"},
      {"{\"suffix\":\"yz\"}", "xyz", "yzx"},
      {"{\"contains\":\"mid\"}", "amidst", "mi-d"},
      {"{\"safe_regex\":{\"regex\":\"\\\\d{3}\"}}", "123", "1234"},
      {"{\"exact\":\"ABC\",\"ignore_case\":true}", "abc", "abd"},
    };
    for (String[] c : cases) {
      RouteTable table =
          one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"string_match\":" + c[0] + "}]}");
      HttpRequest yes = get("h", "/");
      yes.headers().set("x-h", c[1]);
      HttpRequest no = get("h", "/");
      no.headers().set("x-h", c[2]);
      assertThat(hits(table, yes)).as(c[0] + " vs " + c[1]).isTrue();
      assertThat(hits(table, no)).as(c[0] + " vs " + c[2]).isFalse();
    }
  }

  @Test
  void headerMatcherSeesMultipleValuesJoinedWithCommas() {
    RouteTable table =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"string_match\":{\"exact\":\"a,b\"}}]}");
    HttpRequest request = get("h", "/");
    request.headers().add("x-h", "a").add("x-h", "b");
    assertThat(hits(table, request)).isTrue();
  }

  @Test
  void deprecatedDirectHeaderFieldsStillMatch() {
    HttpRequest request = get("h", "/");
    request.headers().set("x-h", "hello-world");
    assertThat(
            hits(
                one(
                    "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"exact_match\":\"hello-world\"}]}"),
                request))
        .isTrue();
    assertThat(
            hits(
                one(
                    "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"prefix_match\":\"hello\"}]}"),
                request))
        .isTrue();
    assertThat(
            hits(
                one(
                    "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"suffix_match\":\"world\"}]}"),
                request))
        .isTrue();
    assertThat(
            hits(
                one(
                    "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"contains_match\":\"o-w\"}]}"),
                request))
        .isTrue();
    assertThat(
            hits(
                one(
                    "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"safe_regex_match\":{\"regex\":\"hel+o-.*\"}}]}"),
                request))
        .isTrue();
    assertThat(
            hits(
                one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"exact_match\":\"\"}]}"),
                request))
        .isTrue();
  }

  @Test
  void presentMatchAndItsInversion() {
    RouteTable present =
        one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"present_match\":true}]}");
    RouteTable absent =
        one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"present_match\":false}]}");
    RouteTable inverted =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-h\",\"present_match\":true,\"invert_match\":true}]}");
    HttpRequest with = get("h", "/");
    with.headers().set("x-h", "");
    HttpRequest without = get("h", "/");
    assertThat(hits(present, with)).isTrue();
    assertThat(hits(present, without)).isFalse();
    assertThat(hits(absent, without)).isTrue();
    assertThat(hits(absent, with)).isFalse();
    assertThat(hits(inverted, without)).isTrue();
  }

  @Test
  void rangeMatchIsHalfOpenAndNeedsAWholeInteger() {
    RouteTable table =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-n\",\"range_match\":{\"start\":\"-10\",\"end\":\"0\"}}]}");
    for (String ok : new String[] {"-1", "-10"}) {
      HttpRequest r = get("h", "/");
      r.headers().set("x-n", ok);
      assertThat(hits(table, r)).as(ok).isTrue();
    }
    for (String bad : new String[] {"0", "10.9", "-1somestring", "", "abc"}) {
      HttpRequest r = get("h", "/");
      r.headers().set("x-n", bad);
      assertThat(hits(table, r)).as(bad).isFalse();
    }
  }

  @Test
  void missingHeaderFailsEvenAnInvertedMatchUnlessTreatedAsEmpty() {
    RouteTable inverted =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-n\",\"invert_match\":true,\"range_match\":{\"start\":\"0\",\"end\":\"10\"}}]}");
    RouteTable invertedEmpty =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-n\",\"invert_match\":true,\"treat_missing_header_as_empty\":true,\"range_match\":{\"start\":\"0\",\"end\":\"10\"}}]}");
    RouteTable emptyRegex =
        one(
            "{\"prefix\":\"/\",\"headers\":[{\"name\":\"x-n\",\"treat_missing_header_as_empty\":true,\"string_match\":{\"safe_regex\":{\"regex\":\"^$\"}}}]}");
    assertThat(hits(inverted, get("h", "/"))).isFalse();
    assertThat(hits(invertedEmpty, get("h", "/"))).isTrue();
    assertThat(hits(emptyRegex, get("h", "/"))).isTrue();
  }

  @Test
  void pseudoHeadersAreVisibleToHeaderMatchers() {
    RouteTable table =
        one(
            "{\"prefix\":\"/\",\"headers\":["
                + "{\"name\":\":method\",\"string_match\":{\"exact\":\"POST\"}},"
                + "{\"name\":\":path\",\"string_match\":{\"prefix\":\"/p?q\"}},"
                + "{\"name\":\":authority\",\"string_match\":{\"exact\":\"svc:8080\"}},"
                + "{\"name\":\":scheme\",\"string_match\":{\"exact\":\"https\"}}]}");
    HttpRequest request = TestConfigs.request(HttpMethod.POST, "svc:8080", "/p?q=1");
    assertThat(table.route(request, RandomSource.seeded(1), RequestContext.of("https", null)))
        .isInstanceOf(RouteDecision.Forward.class);
    request.headers().set("x-forwarded-proto", "https");
    assertThat(hits(table, request)).isTrue();
    request.headers().remove("x-forwarded-proto");
    assertThat(hits(table, request)).as("scheme defaults to http").isFalse();
  }

  @Test
  void hostHeaderIsOnlyVisibleAsAuthorityAsInEnvoy() {
    RouteTable table =
        one("{\"prefix\":\"/\",\"headers\":[{\"name\":\"host\",\"present_match\":true}]}");
    assertThat(hits(table, get("svc", "/"))).isFalse();
  }

  @Test
  void queryParametersMatchTheFirstRawValue() {
    RouteTable exact =
        one(
            "{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"v\",\"string_match\":{\"exact\":\"a b\"}}]}");
    RouteTable encoded =
        one(
            "{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"v\",\"string_match\":{\"exact\":\"a%20b\"}}]}");
    RouteTable present =
        one(
            "{\"prefix\":\"/\",\"query_parameters\":[{\"name\":\"debug\",\"present_match\":true}]}");
    assertThat(hits(encoded, get("h", "/?v=a%20b&v=other"))).isTrue();
    assertThat(hits(exact, get("h", "/?v=a%20b"))).as("values are not decoded").isFalse();
    assertThat(hits(encoded, get("h", "/?v=other&v=a%20b"))).as("first value wins").isFalse();
    assertThat(hits(present, get("h", "/x?a=1&debug"))).isTrue();
    assertThat(hits(present, get("h", "/x?a=1&debugger=1"))).isFalse();
  }

  @Test
  void grpcMatchRequiresAGrpcContentType() {
    RouteTable table = one("{\"prefix\":\"/\",\"grpc\":{}}");
    for (String type :
        new String[] {
          "application/grpc", "application/grpc+proto", "application/grpc;charset=utf-8"
        }) {
      HttpRequest r = get("h", "/svc/Method");
      r.headers().set("content-type", type);
      assertThat(hits(table, r)).as(type).isTrue();
    }
    HttpRequest web = get("h", "/svc/Method");
    web.headers().set("content-type", "application/grpc-web");
    assertThat(hits(table, web)).isFalse();
    assertThat(hits(table, get("h", "/svc/Method"))).isFalse();
  }

  @Test
  void runtimeFractionUsesItsDefaultValueAndTheRequestsRandomValue() {
    RouteTable table =
        routes(
            "[{\"match\":{\"prefix\":\"/\",\"runtime_fraction\":{\"default_value\":{\"numerator\":25,\"denominator\":\"HUNDRED\"},\"runtime_key\":\"k\"}},\"route\":{\"cluster\":\"canary\"}},"
                + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"stable\"}}]");
    long seed = 20240611L;
    RandomSource random = RandomSource.seeded(seed);
    // The oracle: the same generator (RandomSource.seeded wraps SplittableRandom), one 64-bit draw
    // per request, and Envoy's runtime_fraction test written out here: value % denominator <
    // numerator. The exact sequence of canary picks must match, not only their number.
    java.util.SplittableRandom reference = new java.util.SplittableRandom(seed);
    StringBuilder picked = new StringBuilder();
    StringBuilder expected = new StringBuilder();
    for (int i = 0; i < 10_000; i++) {
      picked.append(cluster(table.route(get("h", "/"), random)).equals("canary") ? 'c' : 's');
      expected.append(Long.remainderUnsigned(reference.nextLong(), 100) < 25 ? 'c' : 's');
    }
    assertThat(picked.toString()).isEqualTo(expected.toString()).contains("c", "s");
  }
}
