package io.attache.dataplane.http2;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.Http2Headers;
import org.junit.jupiter.api.Test;

/** RFC 9113 §8.3 request rules, as a stock Envoy 1.40.0 applied them to the same header blocks. */
class Http2RequestHeadersTest {
  private static Http2Headers get() {
    // Unvalidated, so that a test can build what Netty's own decoder would refuse.
    return new DefaultHttp2Headers(false).method("GET").scheme("http").authority("x").path("/");
  }

  @Test
  void aCompleteRequestIsValid() {
    assertThat(Http2RequestHeaders.violation(get())).isNull();
    assertThat(Http2RequestHeaders.violation(get().authority("[::1]:8443"))).isNull();
    assertThat(Http2RequestHeaders.violation(get().scheme("ftp")))
        .as("Envoy forwards any :scheme")
        .isNull();
  }

  @Test
  void hostStandsInForAMissingAuthorityAndMayDifferFromIt() {
    Http2Headers hostOnly = get();
    hostOnly.remove(":authority");
    hostOnly.set("host", "x");
    assertThat(Http2RequestHeaders.violation(hostOnly)).isNull();
    assertThat(Http2RequestHeaders.violation(get().set("host", "other"))).isNull();
  }

  @Test
  void eachMissingPieceIsNamed() {
    Http2Headers noMethod = get();
    noMethod.remove(":method");
    Http2Headers noScheme = get();
    noScheme.remove(":scheme");
    Http2Headers noPath = get();
    noPath.remove(":path");
    Http2Headers noAuthority = get();
    noAuthority.remove(":authority");

    assertThat(Http2RequestHeaders.violation(noMethod)).isEqualTo("missing :method");
    assertThat(Http2RequestHeaders.violation(noScheme)).isEqualTo("missing :scheme");
    assertThat(Http2RequestHeaders.violation(noPath)).isEqualTo("missing or empty :path");
    assertThat(Http2RequestHeaders.violation(get().path(""))).isEqualTo("missing or empty :path");
    assertThat(Http2RequestHeaders.violation(noAuthority)).isEqualTo("missing :authority and host");
  }

  @Test
  void anAuthorityMustBeAHostAndPortWithoutUserinfo() {
    assertThat(Http2RequestHeaders.violation(get().authority("u:p@x")))
        .isEqualTo("userinfo in :authority");
    assertThat(Http2RequestHeaders.violation(get().authority(""))).isEqualTo("empty :authority");
    assertThat(Http2RequestHeaders.violation(get().authority("a b")))
        .isEqualTo("invalid character in :authority");
  }

  @Test
  void connectCarriesOnlyAnAuthority() {
    Http2Headers connect = new DefaultHttp2Headers(false).method("CONNECT").authority("x:443");
    assertThat(Http2RequestHeaders.violation(connect)).isNull();
    assertThat(Http2RequestHeaders.violation(connect.path("/p")))
        .isEqualTo("CONNECT with :scheme or :path");
    assertThat(Http2RequestHeaders.violation(new DefaultHttp2Headers(false).method("CONNECT")))
        .isEqualTo("CONNECT without :authority");
  }
}
