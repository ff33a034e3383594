package io.attache.dataplane.path;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.path.PathNormalizer.Action;
import io.attache.dataplane.path.PathNormalizer.Result;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Path normalisation against an independent oracle: every expected path below is what a stock Envoy
 * 1.40.0 forwarded to its upstream (or how it answered) for the same request line and the same HCM
 * settings, recorded by hand from raw HTTP/1.1 requests through a real Envoy.
 */
class PathNormalizerTest {
  private static final PathNormalizer DEFAULTS = PathNormalizer.DEFAULTS;
  private static final PathNormalizer NORMALIZE =
      new PathNormalizer(true, false, EscapedSlashesAction.KEEP_UNCHANGED);
  private static final PathNormalizer MERGE =
      new PathNormalizer(false, true, EscapedSlashesAction.KEEP_UNCHANGED);
  private static final PathNormalizer EDGE_REDIRECT =
      new PathNormalizer(true, true, EscapedSlashesAction.UNESCAPE_AND_REDIRECT);
  private static final PathNormalizer EDGE_FORWARD =
      new PathNormalizer(true, true, EscapedSlashesAction.UNESCAPE_AND_FORWARD);
  private static final PathNormalizer REJECT_ESCAPED =
      new PathNormalizer(false, false, EscapedSlashesAction.REJECT_REQUEST);

  private static Arguments forwards(PathNormalizer n, String in, String out) {
    return Arguments.of(n, in, Action.CONTINUE, out);
  }

  private static Arguments redirects(PathNormalizer n, String in, String location) {
    return Arguments.of(n, in, Action.REDIRECT, location);
  }

  private static Arguments rejects(PathNormalizer n, String in) {
    return Arguments.of(n, in, Action.REJECT, in);
  }

  static Stream<Arguments> envoyObservations() {
    return Stream.of(
        // Envoy's defaults change nothing (and so let every vector through) but a fragment.
        forwards(DEFAULTS, "//admin", "//admin"),
        forwards(DEFAULTS, "/./admin", "/./admin"),
        forwards(DEFAULTS, "/%2e%2e/admin", "/%2e%2e/admin"),
        forwards(DEFAULTS, "/a/..%2Fadmin", "/a/..%2Fadmin"),
        forwards(DEFAULTS, "/x/..\\admin", "/x/..\\admin"),
        rejects(DEFAULTS, "/admin#frag"),
        // normalize_path alone.
        forwards(NORMALIZE, "//admin", "//admin"),
        forwards(NORMALIZE, "/./admin", "/admin"),
        forwards(NORMALIZE, "/%2e%2e/admin", "/admin"),
        forwards(NORMALIZE, "/a/..%2Fadmin", "/a/..%2Fadmin"),
        forwards(NORMALIZE, "/a/../admin", "/admin"),
        forwards(NORMALIZE, "/%61dmin", "/admin"),
        forwards(NORMALIZE, "/x/..\\admin", "/admin"),
        forwards(NORMALIZE, "/a/%2e./admin", "/admin"),
        forwards(NORMALIZE, "/../admin", "/admin"),
        forwards(NORMALIZE, "/../../../x", "/x"),
        forwards(NORMALIZE, "/a//b/../admin?q=/../x", "/a//admin?q=/../x"),
        forwards(NORMALIZE, "/a/%2F/admin", "/a/%2F/admin"),
        forwards(NORMALIZE, "/%2561dmin", "/%2561dmin"),
        forwards(NORMALIZE, "/ad%6din/", "/admin/"),
        rejects(NORMALIZE, "/a%00b"),
        forwards(NORMALIZE, "/a%2fb", "/a%2fb"),
        forwards(NORMALIZE, "/%7euser", "/~user"),
        forwards(NORMALIZE, "/a\"b", "/a%22b"),
        forwards(NORMALIZE, "/a<b>", "/a%3Cb%3E"),
        forwards(NORMALIZE, "/a{b}", "/a%7Bb%7D"),
        forwards(NORMALIZE, "/a|b", "/a%7Cb"),
        forwards(NORMALIZE, "/a^b", "/a%5Eb"),
        forwards(NORMALIZE, "/a`b", "/a%60b"),
        forwards(NORMALIZE, "/a%zzb", "/a%zzb"),
        forwards(NORMALIZE, "/a%2", "/a%2"),
        forwards(NORMALIZE, "/a%4a%4A", "/aJJ"),
        forwards(NORMALIZE, "/a%3fb", "/a%3fb"),
        forwards(NORMALIZE, "/a%23b", "/a%23b"),
        forwards(NORMALIZE, "/a%25b", "/a%25b"),
        forwards(NORMALIZE, "/a;b", "/a;b"),
        forwards(NORMALIZE, "/a/..", "/"),
        forwards(NORMALIZE, "/a/.", "/a/"),
        forwards(NORMALIZE, "/a/b/..", "/a/"),
        forwards(NORMALIZE, "/..;/admin", "/admin"),
        forwards(NORMALIZE, "/.%2e/admin", "/admin"),
        forwards(NORMALIZE, "/a/.%2E/b", "/b"),
        forwards(NORMALIZE, "/a\\\\b", "/a//b"),
        forwards(NORMALIZE, "/%2E", "/"),
        forwards(NORMALIZE, "/a/%2e%2E", "/"),
        forwards(NORMALIZE, "/a%2Fb/../c", "/c"),
        forwards(NORMALIZE, "/a/./", "/a/"),
        forwards(NORMALIZE, "/a'b", "/a'b"),
        forwards(NORMALIZE, "/a[b]", "/a[b]"),
        forwards(NORMALIZE, "/a!$&()*+,=:@b", "/a!$&()*+,=:@b"),
        forwards(NORMALIZE, "/a%7Fb", "/a%7Fb"),
        forwards(NORMALIZE, "/a%80b", "/a%80b"),
        forwards(NORMALIZE, "/a%C3%A9b", "/a%C3%A9b"),
        forwards(NORMALIZE, "/a%2db%5fc%2ed%7e", "/a-b_c.d~"),
        forwards(NORMALIZE, "/a%20b", "/a%20b"),
        forwards(NORMALIZE, "/A/../B", "/B"),
        forwards(NORMALIZE, "/a/..%2f..", "/a/..%2f.."),
        forwards(NORMALIZE, "/%5C..%5Cadmin", "/%5C..%5Cadmin"),
        forwards(NORMALIZE, "/a/.;/b", "/a/b"),
        forwards(NORMALIZE, "/a/..;x/b", "/b"),
        forwards(NORMALIZE, "/a;/../b", "/b"),
        forwards(NORMALIZE, "/a/..;", "/"),
        forwards(NORMALIZE, "/a/b/..;/c", "/a/c"),
        forwards(NORMALIZE, "/a/.;x/b", "/a/b"),
        forwards(NORMALIZE, "/a/...;/b", "/a/...;/b"),
        forwards(NORMALIZE, "/a/%2e;/b", "/a/.;/b"),
        forwards(NORMALIZE, "/a/..%3b/b", "/a/..%3b/b"),
        forwards(NORMALIZE, "/a/.../b", "/a/.../b"),
        forwards(NORMALIZE, "/a/..../b", "/a/..../b"),
        forwards(NORMALIZE, "/a/.x/b", "/a/.x/b"),
        forwards(NORMALIZE, "/a/%2e%2e%2f/b", "/a/..%2f/b"),
        forwards(NORMALIZE, "/a/b/%2E%2e", "/a/"),
        forwards(NORMALIZE, "/a/./../b", "/b"),
        forwards(NORMALIZE, "/a/b/./../../c", "/c"),
        forwards(NORMALIZE, "/a%2E%2Eb", "/a..b"),
        forwards(NORMALIZE, "/%2e%2e%2fadmin", "/..%2fadmin"),
        forwards(NORMALIZE, "/a//../b", "/a/b"),
        forwards(NORMALIZE, "/a/.//b", "/a//b"),
        forwards(NORMALIZE, "/a%09b", "/a%09b"),
        forwards(NORMALIZE, "/a/b/.;", "/a/b/"),
        forwards(NORMALIZE, "/a/b/..;", "/a/"),
        forwards(NORMALIZE, "/a/.%3b/b", "/a/.%3b/b"),
        forwards(NORMALIZE, "/a/%2e%2e;/b", "/a/..;/b"),
        forwards(NORMALIZE, "/a/.%2e;/b", "/a/..;/b"),
        forwards(NORMALIZE, "/a/..;;/b", "/b"),
        forwards(NORMALIZE, "/;/..;/x", "/x"),
        forwards(NORMALIZE, "/a/..;%2f/b", "/b"),
        forwards(NORMALIZE, "/a/b;c/..;d/e", "/a/e"),
        // merge_slashes alone.
        forwards(MERGE, "//admin", "/admin"),
        forwards(MERGE, "/./admin", "/./admin"),
        forwards(MERGE, "/a//b/../admin?q=/../x", "/a/b/../admin?q=/../x"),
        forwards(MERGE, "/a%00b", "/a%00b"),
        // Envoy's edge recommendation with UNESCAPE_AND_REDIRECT.
        forwards(EDGE_REDIRECT, "//admin", "/admin"),
        redirects(EDGE_REDIRECT, "/a/..%2Fadmin", "/admin"),
        redirects(EDGE_REDIRECT, "/admin%2F", "/admin/"),
        forwards(EDGE_REDIRECT, "/a//b/../admin?q=/../x", "/a/admin?q=/../x"),
        redirects(EDGE_REDIRECT, "/a/%2F/admin", "/a/admin"),
        redirects(EDGE_REDIRECT, "/a%2fb", "/a/b"),
        rejects(EDGE_REDIRECT, "/a%00b"),
        // ... and UNESCAPE_AND_FORWARD.
        forwards(EDGE_FORWARD, "/a/..%2Fadmin", "/admin"),
        forwards(EDGE_FORWARD, "/a/%2F/admin", "/a/admin"),
        forwards(EDGE_FORWARD, "/a%2fb", "/a/b"),
        forwards(EDGE_FORWARD, "/admin%2F", "/admin/"),
        // REJECT_REQUEST alone.
        rejects(REJECT_ESCAPED, "/a/..%2Fadmin"),
        rejects(REJECT_ESCAPED, "/admin%2F"),
        rejects(REJECT_ESCAPED, "/a%2fb"),
        forwards(REJECT_ESCAPED, "//admin", "//admin"),
        forwards(REJECT_ESCAPED, "/admin?x=%2F", "/admin?x=%2F"),
        rejects(REJECT_ESCAPED, "/%5C..%5Cadmin"),
        rejects(REJECT_ESCAPED, "/a%5cb"),
        // merge_slashes at the ends of a path.
        forwards(MERGE, "//", "//"),
        forwards(MERGE, "///", "//"),
        forwards(MERGE, "/a//", "/a/"),
        forwards(MERGE, "//a//b//", "/a/b/"));
  }

  @ParameterizedTest(name = "{1} -> {2} {3}")
  @MethodSource("envoyObservations")
  void normalisesAsEnvoy140Does(
      PathNormalizer normalizer, String in, Action action, String expected) {
    Result r = normalizer.normalize(in);

    assertThat(r.action()).isEqualTo(action);
    if (action != Action.REJECT) {
      assertThat(r.path()).isEqualTo(expected);
    }
  }

  @ParameterizedTest
  @MethodSource("nonOriginTargets")
  void leavesTargetsThatAreNotPathsAlone(String target) {
    assertThat(NORMALIZE.normalize(target)).isEqualTo(new Result(Action.CONTINUE, target));
  }

  static Stream<String> nonOriginTargets() {
    return Stream.of("*", "example.com:443", "");
  }
}
