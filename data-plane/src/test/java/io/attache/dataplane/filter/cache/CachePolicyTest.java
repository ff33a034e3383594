package io.attache.dataplane.filter.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.matcher.StringMatch;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The cache's decisions as tables, on explicit times: which requests may use the cache, which
 * responses are stored, how old a stored response is and when it must be validated (the cases of
 * Envoy's cacheability and {@code requiresValidation} tests, and RFC 9111's examples).
 */
class CachePolicyTest {
  private static final CacheSettings SETTINGS =
      new CacheSettings(
          false, List.of(StringMatch.exact("accept", false)), CacheKeys.DEFAULT, 0, false);
  private static final Instant T0 = Instant.parse("2026-12-07T02:00:00Z");
  private static final String DATE_T0 = "Mon, 07 Dec 2026 02:00:00 GMT";

  private static HttpHeaders headers(String... nameValues) {
    HttpHeaders h = new DefaultHttpHeaders();
    for (int i = 0; i < nameValues.length; i += 2) {
      h.add(nameValues[i], nameValues[i + 1]);
    }
    return h;
  }

  private static HttpRequest request(HttpMethod method, String... nameValues) {
    HttpRequest r = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, "/a");
    r.headers().add(headers(nameValues)).set("host", "example.com");
    return r;
  }

  @Test
  void onlyUnconditionalGetAndHeadWithoutAuthorizationAreLookedUp() {
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.GET), "http")).isNull();
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.HEAD), "https")).isNull();
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.POST), "http")).isEqualTo("POST");
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.GET, "authorization", "x"), "http"))
        .isEqualTo("authorization");
    assertThat(
            CachePolicy.whyNotServable(request(HttpMethod.GET, "if-none-match", "\"a\""), "http"))
        .isEqualTo("if-none-match");
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.GET, "if-range", "\"a\""), "http"))
        .isEqualTo("if-range");
    // A cache may ignore if-match and if-unmodified-since (RFC 9110 13.2.1), and Envoy does.
    assertThat(CachePolicy.whyNotServable(request(HttpMethod.GET, "if-match", "\"a\""), "http"))
        .isNull();
    HttpRequest noHost = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/a");
    assertThat(CachePolicy.whyNotServable(noHost, "http")).isEqualTo("no host");
  }

  @ParameterizedTest(name = "{0} {1} -> {2}")
  @CsvSource(
      delimiter = '|',
      value = {
        "200 | max-age=60                  | true",
        "200 | s-maxage=60                 | true",
        "200 | no-cache                    | true",
        "200 | max-age=60, no-store        | false",
        "200 | private, max-age=60         | false",
        "200 | public                      | false",
        "500 | max-age=60                  | false",
        "404 | max-age=60                  | true",
        "301 | max-age=60                  | true",
        "302 | max-age=60                  | false",
        "206 | max-age=60                  | true",
      })
  void responsesAreStoredOnlyWithACacheableStatusAndFreshnessInformation(
      int status, String cacheControl, boolean stored) {
    assertThat(
            CachePolicy.isCacheableResponse(
                status, headers("cache-control", cacheControl), SETTINGS))
        .isEqualTo(stored);
  }

  @Test
  void dateAndExpiresTogetherAreFreshnessInformationButEitherAloneIsNot() {
    String expires = "Mon, 07 Dec 2026 03:00:00 GMT";
    assertThat(
            CachePolicy.isCacheableResponse(
                200, headers("date", DATE_T0, "expires", expires), SETTINGS))
        .isTrue();
    assertThat(CachePolicy.isCacheableResponse(200, headers("expires", expires), SETTINGS))
        .isFalse();
    assertThat(CachePolicy.isCacheableResponse(200, headers("date", DATE_T0), SETTINGS)).isFalse();
  }

  @Test
  void varyMustNameOnlyAllowedHeadersAndNeverStar() {
    assertThat(
            CachePolicy.isCacheableResponse(
                200, headers("cache-control", "max-age=1", "vary", "Accept"), SETTINGS))
        .isTrue();
    assertThat(
            CachePolicy.isCacheableResponse(
                200, headers("cache-control", "max-age=1", "vary", "accept, cookie"), SETTINGS))
        .isFalse();
    assertThat(
            CachePolicy.isCacheableResponse(
                200, headers("cache-control", "max-age=1", "vary", "*"), SETTINGS))
        .isFalse();
  }

  @ParameterizedTest(name = "date={0}s age={1} received={2}s now={3}s -> {4}")
  @CsvSource({
    // date offset, age header, received offset, now offset, current age
    "0, , 0, 0, 0",
    "0, , 0, 42, 42",
    "0, 30, 0, 0, 30",
    "0, 30, 0, 10, 40",
    "-50, 30, 0, 10, 60",
    "10, , 0, 5, 5",
  })
  void currentAgeIsTheLargerOfApparentAgeAndAgeHeaderPlusResidentTime(
      long dateOffset, String ageHeader, long receivedOffset, long nowOffset, long expected) {
    HttpHeaders h = headers("date", httpDate(T0.plusSeconds(dateOffset)));
    if (ageHeader != null) {
      h.set("age", ageHeader);
    }
    assertThat(CachePolicy.ageSeconds(h, T0.plusSeconds(receivedOffset), T0.plusSeconds(nowOffset)))
        .isEqualTo(expected);
  }

  @Test
  void aResponseWithoutDateIsAsOldAsTheEpochAsInEnvoy() {
    long age = CachePolicy.ageSeconds(headers("cache-control", "max-age=60"), T0, T0);
    assertThat(age).isEqualTo(T0.getEpochSecond());
  }

  @ParameterizedTest(name = "response [{0}] request [{1}] age {2} -> validate {3}")
  @CsvSource(
      delimiter = '|',
      value = {
        "max-age=60                 |                    | 0   | false",
        "max-age=60                 |                    | 60  | false",
        "max-age=60                 |                    | 61  | true",
        "max-age=0                  |                    | 0   | false",
        "s-maxage=10, max-age=60    |                    | 11  | true",
        "no-cache, max-age=60       |                    | 0   | true",
        "max-age=60                 | no-cache           | 0   | true",
        "max-age=60                 | max-age=10         | 11  | true",
        "max-age=60                 | max-age=10         | 10  | false",
        "max-age=60                 | max-stale=10       | 65  | false",
        "max-age=60                 | max-stale=10       | 70  | true",
        "max-age=60                 | max-stale          | 9999| false",
        "max-age=60, must-revalidate| max-stale          | 61  | true",
        "max-age=60, proxy-revalidate| max-stale=100     | 61  | true",
        "max-age=60                 | min-fresh=20       | 30  | false",
        "max-age=60                 | min-fresh=20       | 41  | true",
        "max-age=60                 | no-store           | 0   | false",
        "max-age=\"60\"             |                    | 30  | false",
      })
  void validationTable(String response, String request, long age, boolean validate) {
    RequestCacheControl rq = RequestCacheControl.parse(request, null);
    assertThat(
            CachePolicy.requiresValidation(
                headers("cache-control", response, "date", DATE_T0), age, rq))
        .isEqualTo(validate);
  }

  @Test
  void withoutMaxAgeTheFreshnessLifetimeIsExpiresMinusDate() {
    HttpHeaders h = headers("date", DATE_T0, "expires", "Mon, 07 Dec 2026 02:01:00 GMT");
    assertThat(CachePolicy.requiresValidation(h, 60, RequestCacheControl.NONE)).isFalse();
    assertThat(CachePolicy.requiresValidation(h, 61, RequestCacheControl.NONE)).isTrue();
  }

  @Test
  void pragmaNoCacheCountsOnlyWithoutCacheControl() {
    assertThat(RequestCacheControl.parse(null, "no-cache").mustValidate()).isTrue();
    assertThat(RequestCacheControl.parse("max-age=5", "no-cache").mustValidate()).isFalse();
    assertThat(RequestCacheControl.parse(null, null)).isEqualTo(RequestCacheControl.NONE);
  }

  @Test
  void invalidDurationsAreIgnoredAndSharedMaxAgeWinsOverMaxAge() {
    assertThat(RequestCacheControl.parse("max-age=-1", null).maxAge())
        .isEqualTo(RequestCacheControl.ABSENT);
    assertThat(RequestCacheControl.parse("max-age=abc", null).maxAge())
        .isEqualTo(RequestCacheControl.ABSENT);
    assertThat(ResponseCacheControl.parse("max-age=60, s-maxage=5").maxAge()).isEqualTo(5);
    assertThat(ResponseCacheControl.parse("s-maxage=5, max-age=60").maxAge()).isEqualTo(5);
    assertThat(ResponseCacheControl.parse("private").noStore()).isTrue();
  }

  private static String httpDate(Instant t) {
    return io.netty.handler.codec.DateFormatter.format(java.util.Date.from(t));
  }
}
