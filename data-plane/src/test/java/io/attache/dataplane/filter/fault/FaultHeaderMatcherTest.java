package io.attache.dataplane.filter.fault;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.HeaderMatch;
import io.attache.dataplane.matcher.HeaderSource;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import org.junit.jupiter.api.Test;

/**
 * The fault filter's {@code headers}: the shared header matcher over the request, as Envoy reads
 * it.
 */
class FaultHeaderMatcherTest {
  private static HeaderSource get(String path, String... headers) {
    return HeaderSource.ofRequest(FaultConfigs.get(path, headers), "http");
  }

  private static HeaderMatch compile(HeaderMatcher.Builder proto) {
    try {
      return HeaderMatch.compile(proto.build(), "headers[0]");
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void matchesOnPresenceWhenNoValueIsGiven() {
    HeaderMatch matcher = compile(HeaderMatcher.newBuilder().setName("x-canary"));
    assertThat(matcher.matches(get("/", "x-canary", "anything"))).isTrue();
    assertThat(matcher.matches(get("/"))).isFalse();
  }

  @Test
  void presentMatchFalseMatchesAbsenceAndInvertFlipsIt() {
    HeaderMatch absent =
        compile(HeaderMatcher.newBuilder().setName("x-canary").setPresentMatch(false));
    assertThat(absent.matches(get("/"))).isTrue();
    assertThat(absent.matches(get("/", "x-canary", "1"))).isFalse();

    HeaderMatch inverted =
        compile(
            HeaderMatcher.newBuilder()
                .setName("x-canary")
                .setPresentMatch(true)
                .setInvertMatch(true));
    assertThat(inverted.matches(get("/"))).isTrue();
  }

  @Test
  void aMissingHeaderFailsEvenAnInvertedValueMatcherUnlessTreatedAsEmpty() {
    HeaderMatcher.Builder proto =
        HeaderMatcher.newBuilder().setName("x-user").setExactMatch("bob").setInvertMatch(true);
    assertThat(compile(proto).matches(get("/"))).isFalse();
    assertThat(compile(proto).matches(get("/", "x-user", "alice"))).isTrue();
    assertThat(compile(proto.setTreatMissingHeaderAsEmpty(true)).matches(get("/"))).isTrue();
  }

  @Test
  void joinsRepeatedHeaderValuesWithCommas() {
    HeaderMatch matcher = compile(HeaderMatcher.newBuilder().setName("x-tag").setExactMatch("a,b"));
    assertThat(matcher.matches(get("/", "x-tag", "a", "x-tag", "b"))).isTrue();
  }

  @Test
  void comparesRangesAndStringMatchersWithIgnoreCase() {
    HeaderMatch range =
        compile(
            HeaderMatcher.newBuilder()
                .setName("x-shard")
                .setRangeMatch(Int64Range.newBuilder().setStart(10).setEnd(20)));
    assertThat(range.matches(get("/", "x-shard", "10"))).isTrue();
    assertThat(range.matches(get("/", "x-shard", "20"))).isFalse();
    assertThat(range.matches(get("/", "x-shard", "ten"))).isFalse();

    HeaderMatch prefix =
        compile(
            HeaderMatcher.newBuilder()
                .setName("x-user")
                .setStringMatch(StringMatcher.newBuilder().setPrefix("TEST-").setIgnoreCase(true)));
    assertThat(prefix.matches(get("/", "x-user", "test-42"))).isTrue();
    assertThat(prefix.matches(get("/", "x-user", "prod-42"))).isFalse();
  }

  @Test
  void refusesARegexRe2WouldRefuseInsteadOfMatchingItWithAnotherDialect() {
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () ->
                HeaderMatch.compile(
                    HeaderMatcher.newBuilder()
                        .setName("x-user")
                        .setSafeRegexMatch(
                            io.envoyproxy.envoy.type.matcher.v3.RegexMatcher.newBuilder()
                                .setRegex("(a)\\1"))
                        .build(),
                    "headers[0]"))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("headers[0].safe_regex_match.regex:");
  }

  @Test
  void readsPseudoHeadersFromTheRequestLine() {
    assertThat(
            compile(HeaderMatcher.newBuilder().setName(":path").setPrefixMatch("/api"))
                .matches(get("/api/v1")))
        .isTrue();
    assertThat(
            compile(
                    HeaderMatcher.newBuilder()
                        .setName(":authority")
                        .setExactMatch("backend.example"))
                .matches(get("/")))
        .isTrue();
  }
}
