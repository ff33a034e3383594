package io.attache.dataplane.matcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.type.matcher.v3.MetadataMatcher;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetadataMatchTest {
  private static final String JWT = "envoy.filters.http.jwt_authn";

  /** What jwt_authn writes with {@code payload_in_metadata: payload}. */
  private static final Map<String, Struct> VERIFIED =
      Map.of(
          JWT,
          struct(
              """
              {"payload": {"iss": "https://issuer.test", "sub": "alice", "scope": ["read", "write"],
                           "level": 3, "admin": false, "note": null}}
              """));

  private static Struct struct(String json) {
    try {
      return BootstrapLoader.parseYaml(json, Struct.newBuilder()).build();
    } catch (ConfigException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static MetadataMatch compile(String yaml) throws ConfigException {
    return MetadataMatch.compile(
        BootstrapLoader.parseYaml(yaml, MetadataMatcher.newBuilder()).build(), "m");
  }

  private static boolean matches(String yaml) throws ConfigException {
    return compile(yaml).matches(VERIFIED);
  }

  @Test
  void aStringMatcherTestsTheValueAtANestedPath() throws Exception {
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],"
                    + " value: {string_match: {exact: alice}}}"))
        .isTrue();
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],"
                    + " value: {string_match: {exact: bob}}}"))
        .isFalse();
  }

  @Test
  void aMissingNamespaceOrKeyIsNotSetAndOnlyPresentFalseMatchesIt() throws Exception {
    assertThat(matches("{filter: other, path: [{key: payload}], value: {present_match: true}}"))
        .isFalse();
    assertThat(matches("{filter: other, path: [{key: payload}], value: {present_match: false}}"))
        .isTrue();
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: nope}],"
                    + " value: {null_match: {}}}"))
        .isFalse();
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: note}],"
                    + " value: {null_match: {}}}"))
        .isTrue();
  }

  @Test
  void aPathThroughANonStructValueIsNotSet() throws Exception {
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub},"
                    + " {key: deeper}], value: {present_match: true}}"))
        .isFalse();
  }

  @Test
  void aListMatcherMatchesWhenAnyElementMatchesOneOf() throws Exception {
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: scope}],"
                    + " value: {list_match: {one_of: {string_match: {exact: write}}}}}"))
        .isTrue();
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: scope}],"
                    + " value: {list_match: {one_of: {string_match: {exact: admin}}}}}"))
        .isFalse();
    // A list matcher does not match a scalar that happens to equal an element.
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],"
                    + " value: {list_match: {one_of: {string_match: {exact: alice}}}}}"))
        .isFalse();
  }

  @Test
  void numbersMatchExactlyOrInAHalfOpenRangeAndBooleansByValue() throws Exception {
    String level = "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: level}],";
    assertThat(matches(level + " value: {double_match: {exact: 3}}}")).isTrue();
    assertThat(matches(level + " value: {double_match: {range: {start: 1, end: 3}}}}")).isFalse();
    assertThat(matches(level + " value: {double_match: {range: {start: 3, end: 4}}}}")).isTrue();
    assertThat(matches(level + " value: {string_match: {exact: \"3\"}}}")).isFalse();
    String admin = "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: admin}],";
    assertThat(matches(admin + " value: {bool_match: false}}")).isTrue();
    assertThat(matches(admin + " value: {bool_match: true}}")).isFalse();
  }

  @Test
  void invertFlipsTheResultIncludingForAMissingValue() throws Exception {
    assertThat(
            matches(
                "{filter: other, path: [{key: k}], value: {string_match: {exact: x}}, invert:"
                    + " true}"))
        .isTrue();
  }

  @Test
  void anOrMatcherMatchesWhenAnyOfItsMatchersDoes() throws Exception {
    assertThat(
            matches(
                "{filter: envoy.filters.http.jwt_authn, path: [{key: payload}, {key: sub}],"
                    + " value: {or_match: {value_matchers: [{string_match: {exact: bob}},"
                    + " {string_match: {prefix: ali}}]}}}"))
        .isTrue();
  }

  @Test
  void refusesIncompleteMatchersNamingTheField() {
    assertThatThrownBy(() -> compile("{path: [{key: k}], value: {present_match: true}}"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("m.filter");
    assertThatThrownBy(() -> compile("{filter: f, value: {present_match: true}}"))
        .hasMessageContaining("m.path");
    assertThatThrownBy(() -> compile("{filter: f, path: [{key: k}]}"))
        .hasMessageContaining("m.value");
    assertThatThrownBy(
            () ->
                compile(
                    "{filter: f, path: [{key: k}], value: {double_match: {range: {start: 2, end:"
                        + " 1}}}}"))
        .hasMessageContaining("m.value.double_match.range");
    assertThatThrownBy(
            () ->
                compile(
                    "{filter: f, path: [{key: k}], value: {or_match: {value_matchers:"
                        + " [{present_match: true}]}}}"))
        .hasMessageContaining("m.value.or_match.value_matchers");
  }
}
