package io.attache.dataplane.matcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.Test;

/** The shared header matcher: pseudo-headers, joined values, invert and missing-as-empty rules. */
class HeaderMatchTest {
  private static boolean matches(HeaderMatcher.Builder proto, HeaderSource headers)
      throws Exception {
    return HeaderMatch.compile(proto.build(), "m").matches(headers);
  }

  private static HeaderSource response(int status, String... pairs) {
    HttpHeaders headers = new DefaultHttpHeaders();
    for (int i = 0; i < pairs.length; i += 2) {
      headers.add(pairs[i], pairs[i + 1]);
    }
    return HeaderSource.ofResponse(status, headers);
  }

  @Test
  void matchesPseudoHeadersOfTheRequest() throws Exception {
    HttpRequest request = new DefaultHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.PUT, "/a?b=1");
    request.headers().set("host", "svc.local");
    HeaderSource view = HeaderSource.ofRequest(request, "https");

    assertThat(matches(HeaderMatcher.newBuilder().setName(":method").setExactMatch("PUT"), view))
        .isTrue();
    assertThat(matches(HeaderMatcher.newBuilder().setName(":path").setPrefixMatch("/a"), view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder().setName(":authority").setExactMatch("svc.local"), view))
        .isTrue();
    assertThat(matches(HeaderMatcher.newBuilder().setName(":scheme").setExactMatch("https"), view))
        .isTrue();
    // As in Envoy, Host is only visible as :authority.
    assertThat(matches(HeaderMatcher.newBuilder().setName("host"), view)).isFalse();
  }

  @Test
  void joinsRepeatedValuesAndHonoursInvertAndMissingAsEmpty() throws Exception {
    HeaderSource view = response(503, "x-reason", "a", "X-Reason", "b");

    assertThat(matches(HeaderMatcher.newBuilder().setName("x-reason").setExactMatch("a,b"), view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-reason")
                    .setExactMatch("a,b")
                    .setInvertMatch(true),
                view))
        .isFalse();
    // A missing header fails a value matcher even inverted...
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-missing")
                    .setExactMatch("z")
                    .setInvertMatch(true),
                view))
        .isFalse();
    // ...unless it is treated as empty.
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-missing")
                    .setExactMatch("z")
                    .setInvertMatch(true)
                    .setTreatMissingHeaderAsEmpty(true),
                view))
        .isTrue();
    assertThat(
            matches(HeaderMatcher.newBuilder().setName("x-missing").setPresentMatch(false), view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-reason")
                    .setPresentMatch(true)
                    .setInvertMatch(true),
                view))
        .isFalse();
  }

  @Test
  void supportsStringMatchRangeAndTheLegacyMatchers() throws Exception {
    HeaderSource view = response(429, "x-limit", "Quota-Exceeded", "x-wait", "42");

    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-limit")
                    .setStringMatch(
                        StringMatcher.newBuilder().setExact("quota-exceeded").setIgnoreCase(true)),
                view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-limit")
                    .setStringMatch(
                        StringMatcher.newBuilder().setContains("EXCEED").setIgnoreCase(true)),
                view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-limit")
                    .setStringMatch(StringMatcher.newBuilder().setContains("EXCEED")),
                view))
        .isFalse();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-wait")
                    .setRangeMatch(Int64Range.newBuilder().setStart(0).setEnd(43)),
                view))
        .isTrue();
    assertThat(
            matches(
                HeaderMatcher.newBuilder()
                    .setName("x-wait")
                    .setRangeMatch(Int64Range.newBuilder().setStart(0).setEnd(42)),
                view))
        .isFalse();
    assertThat(
            matches(HeaderMatcher.newBuilder().setName("x-limit").setSuffixMatch("Exceeded"), view))
        .isTrue();
    assertThat(matches(HeaderMatcher.newBuilder().setName(":status").setExactMatch("429"), view))
        .isTrue();
  }
}
