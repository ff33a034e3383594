package io.attache.dataplane.filter.fault;

import static io.attache.dataplane.filter.fault.FaultConfigs.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.envoyproxy.envoy.type.v3.Int64Range;
import org.junit.jupiter.api.Test;

class FaultHeaderMatcherTest {
  private static FaultHeaderMatcher compile(HeaderMatcher.Builder proto) {
    try {
      return FaultHeaderMatcher.compile(proto.build(), "headers[0]");
    } catch (ConfigException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void matchesOnPresenceWhenNoValueIsGiven() {
    FaultHeaderMatcher matcher = compile(HeaderMatcher.newBuilder().setName("x-canary"));
    assertThat(matcher.matches(get("/", "x-canary", "anything"))).isTrue();
    assertThat(matcher.matches(get("/"))).isFalse();
  }

  @Test
  void presentMatchFalseMatchesAbsenceAndInvertFlipsIt() {
    FaultHeaderMatcher absent =
        compile(HeaderMatcher.newBuilder().setName("x-canary").setPresentMatch(false));
    assertThat(absent.matches(get("/"))).isTrue();
    assertThat(absent.matches(get("/", "x-canary", "1"))).isFalse();

    FaultHeaderMatcher inverted =
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
    FaultHeaderMatcher matcher =
        compile(HeaderMatcher.newBuilder().setName("x-tag").setExactMatch("a,b"));
    assertThat(matcher.matches(get("/", "x-tag", "a", "x-tag", "b"))).isTrue();
  }

  @Test
  void comparesRangesAndStringMatchersWithIgnoreCase() {
    FaultHeaderMatcher range =
        compile(
            HeaderMatcher.newBuilder()
                .setName("x-shard")
                .setRangeMatch(Int64Range.newBuilder().setStart(10).setEnd(20)));
    assertThat(range.matches(get("/", "x-shard", "10"))).isTrue();
    assertThat(range.matches(get("/", "x-shard", "20"))).isFalse();
    assertThat(range.matches(get("/", "x-shard", "ten"))).isFalse();

    FaultHeaderMatcher prefix =
        compile(
            HeaderMatcher.newBuilder()
                .setName("x-user")
                .setStringMatch(StringMatcher.newBuilder().setPrefix("TEST-").setIgnoreCase(true)));
    assertThat(prefix.matches(get("/", "x-user", "test-42"))).isTrue();
    assertThat(prefix.matches(get("/", "x-user", "prod-42"))).isFalse();
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
