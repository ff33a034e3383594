package io.attache.dataplane.filter.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.StringMatch;
import io.envoyproxy.envoy.config.route.v3.QueryParameterMatcher;
import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig.KeyCreatorParams;
import io.envoyproxy.envoy.type.matcher.v3.StringMatcher;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The store's keys, variants and memory bound, and the byte ranges a hit answers. */
class CacheStoreTest {
  private static final Instant T0 = Instant.parse("2026-12-07T02:00:00Z");

  private static CachedResponse response(int bodyBytes, String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return new CachedResponse(200, h, new byte[bodyBytes], new DefaultHttpHeaders(), T0);
  }

  @Test
  void theKeyIsSchemeHostAndPathWithTheQueryUnlessParamsSayOtherwise() throws ConfigException {
    assertThat(CacheKeys.DEFAULT.keyOf("http", "a.com", "/p?x=1&y=2"))
        .isEqualTo("http\na.com\n/p?x=1&y=2");
    CacheKeys keys =
        CacheKeys.from(
            KeyCreatorParams.newBuilder()
                .setExcludeScheme(true)
                .setExcludeHost(true)
                .addQueryParametersIncluded(QueryParameterMatcher.newBuilder().setName("x"))
                .addQueryParametersIncluded(QueryParameterMatcher.newBuilder().setName("y"))
                .addQueryParametersExcluded(
                    QueryParameterMatcher.newBuilder()
                        .setName("y")
                        .setStringMatch(StringMatcher.newBuilder().setExact("skip")))
                .build(),
            "key_creator_params");
    assertThat(keys.keyOf("https", "b.com", "/p?z=0&x=1&y=skip"))
        .isEqualTo(keys.keyOf("http", "a.com", "/p?x=1"))
        .isEqualTo("\n\n/p?x=1");
    assertThat(keys.keyOf("http", "a.com", "/p?x=1&y=2")).isEqualTo("\n\n/p?x=1&y=2");
  }

  @Test
  void variantsAreStoredPerValueOfTheVaryHeaders() {
    SimpleHttpCache cache = new SimpleHttpCache(1 << 20);
    HttpHeaders english = new DefaultHttpHeaders().add("accept-language", "en");
    HttpHeaders french = new DefaultHttpHeaders().add("accept-language", "fr");
    cache.insert("k", english, response(3, "vary", "Accept-Language"));

    assertThat(cache.lookup("k", english, name -> true).entry()).isNotNull();
    assertThat(cache.lookup("k", french, name -> true).entry()).isNull();
    // An allow-list that no longer names the header makes the stored variants unusable.
    assertThat(cache.lookup("k", english, name -> false).entry()).isNull();
  }

  @Test
  void theStoreEvictsTheLeastRecentlyUsedEntriesToStayWithinItsCapacity() {
    long one = response(1000).weight() + 1;
    SimpleHttpCache cache = new SimpleHttpCache(3 * one);
    HttpHeaders none = new DefaultHttpHeaders();
    cache.insert("a", none, response(1000));
    cache.insert("b", none, response(1000));
    cache.insert("c", none, response(1000));
    assertThat(cache.lookup("a", none, n -> true).entry()).isNotNull(); // a is now most recent
    cache.insert("d", none, response(1000));

    assertThat(cache.size()).isEqualTo(3);
    assertThat(cache.usedBytes()).isLessThanOrEqualTo(3 * one);
    assertThat(cache.lookup("b", none, n -> true).entry()).isNull();
    assertThat(cache.lookup("a", none, n -> true).entry()).isNotNull();
    assertThat(cache.lookup("d", none, n -> true).entry()).isNotNull();

    cache.insert("huge", none, response((int) (4 * one)));
    assertThat(cache.lookup("huge", none, n -> true).entry()).isNull();
    assertThat(cache.size()).isEqualTo(3);
  }

  @Test
  void byteRangesAreAdjustedToTheBodyAsEnvoyDoes() {
    assertThat(ByteRange.of("bytes=0-3", 38)).isEqualTo(new ByteRange(0, 4));
    assertThat(ByteRange.of("bytes=-3", 38)).isEqualTo(new ByteRange(35, 38));
    assertThat(ByteRange.of("bytes=5-", 38)).isEqualTo(new ByteRange(5, 38));
    assertThat(ByteRange.of("bytes=0-", 38)).isNull(); // the whole body: a 200
    assertThat(ByteRange.of("bytes=-38", 38)).isNull();
    assertThat(ByteRange.of("bytes=0-3,5-6", 38)).isNull(); // more than one range: ignored
    assertThat(ByteRange.of("items=0-3", 38)).isNull();
    assertThat(ByteRange.of("bytes=4-2", 38)).isNull();
    assertThat(ByteRange.of("bytes=100-", 38)).isSameAs(ByteRange.UNSATISFIABLE);
    assertThat(ByteRange.of("bytes=-0", 38)).isSameAs(ByteRange.UNSATISFIABLE);
    assertThat(ByteRange.of(null, 38)).isNull();
  }

  @Test
  void allowedVaryHeadersAreStringMatchers() {
    CacheSettings settings =
        new CacheSettings(
            false, java.util.List.of(StringMatch.prefix("x-", false)), CacheKeys.DEFAULT, 0, false);
    assertThat(settings.allowsVary("x-variant")).isTrue();
    assertThat(settings.allowsVary("accept")).isFalse();
  }
}
