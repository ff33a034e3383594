package io.attache.dataplane.filter.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.jwt.JwtProviderConfig.Remote;
import io.attache.dataplane.outlier.VirtualTime;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** A provider's key cache on virtual time. */
class JwksCacheTest {
  private final VirtualTime time = new VirtualTime();

  private static JwtProviderConfig remote(Duration cacheDuration) {
    return new JwtProviderConfig(
        "p",
        "iss",
        Set.of(),
        Optional.empty(),
        Optional.of(
            new Remote(
                URI.create("http://keys/jwks"), "keys", Duration.ofSeconds(1), cacheDuration)),
        List.of(),
        List.of(),
        false,
        "",
        false,
        List.of(),
        60,
        "",
        "",
        List.of());
  }

  @Test
  void aFetchedKeySetIsServedForExactlyItsCacheDuration() throws Exception {
    JwksCache cache = new JwksCache(remote(Duration.ofSeconds(300)), time);
    Jwks jwks = Jwks.parse(TestTokens.rsa("k").jwks()).jwks();
    assertThat(cache.current()).isNull();

    cache.store(jwks);
    time.advance(Duration.ofSeconds(300).minusNanos(1));
    assertThat(cache.current()).isSameAs(jwks);

    time.advance(Duration.ofNanos(1));
    assertThat(cache.current()).isNull();
  }

  @Test
  void aLocalKeySetNeverExpires() throws Exception {
    Jwks jwks = Jwks.parse(TestTokens.ec("k").jwks()).jwks();
    JwtProviderConfig local =
        new JwtProviderConfig(
            "p",
            "iss",
            Set.of(),
            Optional.of(jwks),
            Optional.empty(),
            List.of(),
            List.of(),
            false,
            "",
            false,
            List.of(),
            60,
            "",
            "",
            List.of());
    JwksCache cache = new JwksCache(local, time);

    time.advance(Duration.ofDays(365));

    assertThat(cache.current()).isSameAs(jwks);
  }
}
