package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SubjectAltNameMatcher.SanType;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import java.util.List;
import org.junit.jupiter.api.Test;

class SanMatcherTest {
  private static final TestPki.Ca CA = TestPki.newCa("san-test-ca");
  private static final TestPki.Issued WEB =
      CA.issue(
          "web",
          List.of("spiffe://attache.test/ns/default/sa/web"),
          List.of("web.default.svc.cluster.local"));

  private static SubjectAltNameMatcher san(SanType type, StringMatcher matcher) {
    return SubjectAltNameMatcher.newBuilder().setSanType(type).setMatcher(matcher).build();
  }

  private static SanMatcher.Verdict check(SubjectAltNameMatcher... matchers) throws Exception {
    return SanMatcher.from(List.of(matchers), "m").check(WEB.certificate());
  }

  @Test
  void matchesUriSansWithEveryStringMatcherKind() throws Exception {
    assertThat(
            check(
                san(
                    SanType.URI,
                    StringMatcher.newBuilder()
                        .setExact("spiffe://attache.test/ns/default/sa/web")
                        .build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
    assertThat(
            check(
                san(
                    SanType.URI,
                    StringMatcher.newBuilder().setPrefix("spiffe://attache.test/").build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
    assertThat(check(san(SanType.URI, StringMatcher.newBuilder().setSuffix("/sa/web").build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
    assertThat(
            check(san(SanType.URI, StringMatcher.newBuilder().setContains("/ns/default/").build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
    assertThat(
            check(
                san(
                    SanType.URI,
                    StringMatcher.newBuilder()
                        .setSafeRegex(
                            RegexMatcher.newBuilder()
                                .setRegex("spiffe://attache\\.test/ns/[a-z]+/sa/web"))
                        .build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
  }

  @Test
  void aSanOfAnotherTypeDoesNotMatch() throws Exception {
    assertThat(
            check(
                san(
                    SanType.DNS,
                    StringMatcher.newBuilder()
                        .setExact("spiffe://attache.test/ns/default/sa/web")
                        .build())))
        .isEqualTo(SanMatcher.Verdict.NO_MATCH);
    assertThat(
            check(
                san(
                    SanType.DNS,
                    StringMatcher.newBuilder().setSuffix(".svc.cluster.local").build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
  }

  @Test
  void anyOneMatcherSufficesAndNoMatchersAcceptsEveryCertificate() throws Exception {
    assertThat(
            check(
                san(
                    SanType.URI,
                    StringMatcher.newBuilder().setExact("spiffe://other/sa/db").build()),
                san(SanType.URI, StringMatcher.newBuilder().setSuffix("/sa/web").build())))
        .isEqualTo(SanMatcher.Verdict.MATCHED);
    assertThat(
            check(
                san(
                    SanType.URI,
                    StringMatcher.newBuilder().setExact("spiffe://other/sa/db").build())))
        .isEqualTo(SanMatcher.Verdict.NO_MATCH);
    assertThat(SanMatcher.NONE.check(WEB.certificate())).isEqualTo(SanMatcher.Verdict.NO_MATCHERS);
  }

  @Test
  void errorsNameTheMatcherPath() {
    assertThatThrownBy(
            () ->
                SanMatcher.from(
                    List.of(
                        SubjectAltNameMatcher.newBuilder()
                            .setSanType(SanType.URI)
                            .setMatcher(StringMatcher.newBuilder().setPrefix(""))
                            .build()),
                    "ctx.match_typed_subject_alt_names"))
        .hasMessageContaining("ctx.match_typed_subject_alt_names[0].matcher.prefix");
    assertThatThrownBy(
            () ->
                SanMatcher.from(
                    List.of(
                        SubjectAltNameMatcher.newBuilder()
                            .setMatcher(StringMatcher.newBuilder().setExact("x"))
                            .build()),
                    "m"))
        .hasMessageContaining("m[0].san_type");
  }
}
