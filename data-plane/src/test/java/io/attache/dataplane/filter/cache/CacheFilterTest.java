package io.attache.dataplane.filter.cache;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.accesslog.ResponseFlag;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.trust.LocalAddress;
import io.envoyproxy.envoy.extensions.filters.http.cache.v3.CacheConfig;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The cache filter on the connection manager's chain, on a clock the test moves: a terminal filter
 * stands in for the upstream, records every request that reaches it and answers with {@link
 * #upstreamStatus}, {@link #upstreamHeaders} and a body naming how many requests it saw.
 */
class CacheFilterTest {
  private static final Instant T0 = Instant.parse("2026-12-07T02:00:00Z");
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            direct_response: { status: 200 }
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private Instant now = T0;
  private final Clock clock =
      new Clock() {
        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }

        @Override
        public Instant instant() {
          return now;
        }
      };

  private final List<HttpRequest> upstreamSaw = new ArrayList<>();
  private final List<RouteDecision> upstreamRoutes = new ArrayList<>();
  private int upstreamStatus = 200;
  private Map<String, String> upstreamHeaders = new LinkedHashMap<>();
  private boolean upstreamStreams;

  /**
   * A route that forwards (rewriting the path, adding a header, with a timeout): no direct answer.
   */
  private static final String FORWARDING_HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          routes:
          - match: { prefix: "/" }
            route: { cluster: backend, prefix_rewrite: "/v2/", timeout: 3s }
            request_headers_to_add: [{ header: { key: x-route-added, value: "yes" } }]
      http_filters:
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private StreamHarness harness(String cacheConfigYaml, long capacityBytes) throws Exception {
    return harness(HCM, cacheConfigYaml, capacityBytes);
  }

  private StreamHarness harness(String hcm, String cacheConfigYaml, long capacityBytes)
      throws Exception {
    CacheConfig.Builder proto = CacheConfig.newBuilder();
    BootstrapLoader.parseYaml(
        """
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.http.cache.simple_http_cache.v3.SimpleHttpCacheConfig
        """
            + cacheConfigYaml,
        proto);
    CacheSettings settings =
        CacheSettings.from(com.google.protobuf.Any.pack(proto.build()), "cache");
    return new StreamHarness(
        hcm,
        context -> {
          FilterFactoryContext withClock =
              new FilterFactoryContext(
                  context.filterName(),
                  context.statPrefix(),
                  context.stats(),
                  context.clusters(),
                  context.random(),
                  context.ticker(),
                  clock,
                  context.secrets(),
                  context.runtime(),
                  context.server());
          List<FilterChainEntry> chain = new ArrayList<>();
          chain.add(
              StreamHarness.entry(
                  CacheFilterType.NAME,
                  CacheFilterType.factory(settings, withClock, capacityBytes)));
          chain.add(
              StreamHarness.entry(
                  "upstream", callbacks -> callbacks.addStreamDecoderFilter(new Upstream())));
          return chain;
        });
  }

  private StreamHarness harness() throws Exception {
    return harness("", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
  }

  /** Answers with the test's status and headers; streamed (headers, then body) when asked. */
  private final class Upstream implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      HttpRequest copy =
          new DefaultFullHttpRequest(request.protocolVersion(), request.method(), request.uri());
      copy.headers().set(request.headers());
      upstreamSaw.add(copy);
      upstreamRoutes.add(callbacks.route());
      byte[] body =
          upstreamStatus == 304 || request.method().equals(HttpMethod.HEAD)
              ? new byte[0]
              : ("response " + upstreamSaw.size()).getBytes(StandardCharsets.UTF_8);
      HttpHeaders h =
          upstreamStreams
              ? new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK).headers()
              : null;
      HttpResponse response;
      if (upstreamStreams) {
        response =
            new DefaultHttpResponse(
                HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(upstreamStatus), h);
      } else {
        response =
            new DefaultFullHttpResponse(
                HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(upstreamStatus),
                Unpooled.wrappedBuffer(body));
      }
      upstreamHeaders.forEach(response.headers()::set);
      response.headers().set("x-upstream-count", upstreamSaw.size());
      if (upstreamStatus != 304) {
        response.headers().set("content-length", body.length);
      }
      callbacks.encodeHeaders(response, !upstreamStreams);
      if (upstreamStreams) {
        callbacks.encodeData(new DefaultLastHttpContent(Unpooled.wrappedBuffer(body)), true);
      }
      return FilterHeadersStatus.STOP_ITERATION;
    }
  }

  /** A response as the downstream got it: headers and the whole body. */
  private record Got(HttpResponse response, String body) {
    int status() {
      return response.status().code();
    }

    String header(String name) {
      return response.headers().get(name);
    }
  }

  private static Got send(StreamHarness h, HttpMethod method, String path, String... nameValues) {
    h.downstream.releaseAll();
    h.downstream.written.clear();
    HttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    for (int i = 0; i < nameValues.length; i += 2) {
      request.headers().add(nameValues[i], nameValues[i + 1]);
    }
    h.request(request);
    HttpResponse response = null;
    StringBuilder body = new StringBuilder();
    for (Object o : h.downstream.written) {
      if (o instanceof HttpResponse r && response == null) {
        response = r;
      }
      if (o instanceof HttpContent c) {
        body.append(c.content().toString(StandardCharsets.UTF_8));
      }
    }
    assertThat(response).as("a response was written").isNotNull();
    return new Got(response, body.toString());
  }

  private static Got get(StreamHarness h, String path, String... nameValues) {
    return send(h, HttpMethod.GET, path, nameValues);
  }

  private void upstreamAnswers(String... nameValues) {
    upstreamHeaders = new LinkedHashMap<>();
    for (int i = 0; i < nameValues.length; i += 2) {
      upstreamHeaders.put(nameValues[i], nameValues[i + 1]);
    }
  }

  private static String date(Instant t) {
    return io.netty.handler.codec.DateFormatter.format(java.util.Date.from(t));
  }

  @Test
  void aFreshResponseIsServedFromTheCacheWithItsAge() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));

    Got first = get(h, "/a");
    assertThat(first.header("age")).isNull();
    assertThat(first.body()).isEqualTo("response 1");

    now = T0.plus(Duration.ofSeconds(42));
    Got hit = get(h, "/a");
    assertThat(hit.status()).isEqualTo(200);
    assertThat(hit.body()).isEqualTo("response 1");
    assertThat(hit.header("age")).isEqualTo("42");
    assertThat(hit.header("x-upstream-count")).isEqualTo("1");
    assertThat(h.info().hasFlag(ResponseFlag.RESPONSE_FROM_CACHE_FILTER)).isTrue();
    assertThat(h.info().responseCodeDetails()).isEqualTo("cache.response_from_cache_filter");
    assertThat(upstreamSaw).hasSize(1);

    get(h, "/b");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void aStaleResponseIsValidatedAndA304IsMergedIntoTheStoredOne() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers(
        "cache-control", "max-age=10", "date", date(T0), "etag", "\"v1\"", "x-version", "1");
    get(h, "/a");

    now = T0.plusSeconds(11);
    upstreamStatus = 304;
    upstreamAnswers("cache-control", "max-age=10", "date", date(now), "etag", "\"v1\"");
    Got validated = get(h, "/a");

    HttpRequest validation = upstreamSaw.get(1);
    assertThat(validation.headers().get("if-none-match")).isEqualTo("\"v1\"");
    assertThat(validation.headers().get("if-modified-since")).isEqualTo(date(T0));
    assertThat(validated.status()).isEqualTo(200);
    assertThat(validated.body()).isEqualTo("response 1");
    assertThat(validated.header("x-version")).isEqualTo("1");
    assertThat(validated.header("x-upstream-count")).isEqualTo("2");
    assertThat(validated.header("date")).isEqualTo(date(now));
    assertThat(validated.header("content-length")).isEqualTo("10");
    assertThat(validated.header("age")).isNull();
    assertThat(h.info().hasFlag(ResponseFlag.RESPONSE_FROM_CACHE_FILTER)).isTrue();

    // The entry took the 304's headers and a new response time: fresh again.
    now = now.plusSeconds(5);
    Got hit = get(h, "/a");
    assertThat(hit.header("age")).isEqualTo("5");
    assertThat(hit.header("x-upstream-count")).isEqualTo("2");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void aMissAndAValidationGoUpstreamAsEnvoysAsyncClientSendsThem() throws Exception {
    StreamHarness h = harness(FORWARDING_HCM, "", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "no-cache", "date", date(T0), "etag", "\"v1\"");
    get(h, "/a", "x-forwarded-for", "203.0.113.9");
    upstreamStatus = 304;
    get(h, "/a");

    String self = LocalAddress.get().getHostAddress();
    assertThat(upstreamSaw.get(0).headers().get("x-forwarded-for"))
        .isEqualTo("203.0.113.9," + self);
    assertThat(upstreamSaw.get(1).headers().get("x-forwarded-for")).isEqualTo(self);
    assertThat(upstreamSaw.get(1).headers().get("if-none-match")).isEqualTo("\"v1\"");
    for (int i = 0; i < 2; i++) {
      assertThat(upstreamSaw.get(i).headers().get("x-envoy-internal")).isEqualTo("true");
      RouteDecision.Forward route = (RouteDecision.Forward) upstreamRoutes.get(i);
      assertThat(route.cluster()).isEqualTo("backend");
      assertThat(route.rewrittenPath()).isEmpty();
      assertThat(route.requestHeaderMutations().isEmpty()).isTrue();
      assertThat(route.policy().timeout()).isZero();
    }
    h.downstream.releaseAll();
  }

  @Test
  void whatTheCacheDoesNotLookUpKeepsItsRoute() throws Exception {
    StreamHarness h = harness(FORWARDING_HCM, "", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    send(h, HttpMethod.POST, "/a");
    get(h, "/a", "authorization", "Bearer t");

    for (int i = 0; i < 2; i++) {
      assertThat(upstreamSaw.get(i).headers().contains("x-envoy-internal")).isFalse();
      RouteDecision.Forward route = (RouteDecision.Forward) upstreamRoutes.get(i);
      assertThat(route.rewrittenPath()).contains("/v2/a");
      assertThat(route.policy().timeout()).isEqualTo(Duration.ofSeconds(3));
    }
    h.downstream.releaseAll();
  }

  @Test
  void aStreamed304IsMergedToo() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "no-cache", "date", date(T0), "last-modified", date(T0));
    get(h, "/a");

    upstreamStatus = 304;
    upstreamStreams = true;
    Got validated = get(h, "/a");
    assertThat(upstreamSaw.get(1).headers().get("if-modified-since")).isEqualTo(date(T0));
    assertThat(upstreamSaw.get(1).headers().contains("if-none-match")).isFalse();
    assertThat(validated.status()).isEqualTo(200);
    assertThat(validated.body()).isEqualTo("response 1");
    h.downstream.releaseAll();
  }

  @Test
  void aStaleResponseReplacedByTheUpstreamIsStoredAnew() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=10", "date", date(T0), "etag", "\"v1\"");
    get(h, "/a");
    now = T0.plusSeconds(20);
    upstreamAnswers("cache-control", "max-age=10", "date", date(now), "etag", "\"v2\"");
    assertThat(get(h, "/a").body()).isEqualTo("response 2");
    assertThat(get(h, "/a").body()).isEqualTo("response 2");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void requestCacheControlForcesValidationOrForbidsStoringUnlessIgnored() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    get(h, "/a", "cache-control", "no-store");
    get(h, "/a");
    assertThat(upstreamSaw).hasSize(2); // the first response was not stored
    get(h, "/a", "cache-control", "no-store"); // but a stored one is served
    assertThat(upstreamSaw).hasSize(2);
    get(h, "/a", "pragma", "no-cache");
    assertThat(upstreamSaw).hasSize(3);
    assertThat(upstreamSaw.get(2).headers().get("if-modified-since")).isEqualTo(date(T0));

    StreamHarness ignoring = harness("ignore_request_cache_control_header: true", 1 << 20);
    upstreamSaw.clear();
    get(ignoring, "/a", "cache-control", "no-store");
    get(ignoring, "/a", "cache-control", "no-cache");
    assertThat(upstreamSaw).hasSize(1);
    h.downstream.releaseAll();
  }

  @Test
  void headIsServedFromTheCacheWithoutABodyButNeverStored() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    send(h, HttpMethod.HEAD, "/a");
    send(h, HttpMethod.HEAD, "/a");
    assertThat(upstreamSaw).hasSize(2);

    get(h, "/a");
    Got head = send(h, HttpMethod.HEAD, "/a");
    assertThat(upstreamSaw).hasSize(3);
    assertThat(head.body()).isEmpty();
    assertThat(head.header("content-length")).isEqualTo("10");
    assertThat(head.header("age")).isEqualTo("0");
    h.downstream.releaseAll();
  }

  @Test
  void authorizationConditionalsAndPostBypassTheCache() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0), "etag", "\"z\"");
    get(h, "/a", "authorization", "Bearer x");
    get(h, "/a", "authorization", "Bearer x");
    assertThat(upstreamSaw).hasSize(2);
    get(h, "/b");
    get(h, "/b", "if-none-match", "\"z\"");
    send(h, HttpMethod.POST, "/b");
    assertThat(upstreamSaw).hasSize(5);
    h.downstream.releaseAll();
  }

  @Test
  void uncacheableResponsesAreNotStored() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "private, max-age=60", "date", date(T0));
    get(h, "/private");
    get(h, "/private");
    upstreamStatus = 500;
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    get(h, "/error");
    get(h, "/error");
    upstreamStatus = 200;
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0), "vary", "accept");
    get(h, "/vary");
    get(h, "/vary");
    assertThat(upstreamSaw).hasSize(6);
    h.downstream.releaseAll();
  }

  @Test
  void allowedVaryHeadersKeepOneVariantPerValue() throws Exception {
    StreamHarness h =
        harness(
            "allowed_vary_headers: [{ exact: accept }]", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0), "vary", "accept");
    assertThat(get(h, "/a", "accept", "text/html").body()).isEqualTo("response 1");
    assertThat(get(h, "/a", "accept", "application/json").body()).isEqualTo("response 2");
    assertThat(get(h, "/a", "accept", "text/html").body()).isEqualTo("response 1");
    assertThat(get(h, "/a", "accept", "application/json").body()).isEqualTo("response 2");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void aSingleRangeIsServedAs206AndAnUnsatisfiableOneAs416() throws Exception {
    StreamHarness h = harness();
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    Got miss = get(h, "/a", "range", "bytes=0-3");
    assertThat(upstreamSaw.get(0).headers().get("range")).isEqualTo("bytes=0-3");
    assertThat(miss.status()).isEqualTo(200);

    Got part = get(h, "/a", "range", "bytes=0-3");
    assertThat(part.status()).isEqualTo(206);
    assertThat(part.body()).isEqualTo("resp");
    assertThat(part.header("content-range")).isEqualTo("bytes 0-3/10");
    assertThat(part.header("content-length")).isEqualTo("4");

    Got suffix = get(h, "/a", "range", "bytes=-3");
    assertThat(suffix.body()).isEqualTo("e 1");
    assertThat(suffix.header("content-range")).isEqualTo("bytes 7-9/10");

    Got beyond = get(h, "/a", "range", "bytes=100-");
    assertThat(beyond.status()).isEqualTo(416);
    assertThat(beyond.header("content-range")).isEqualTo("bytes */10");
    assertThat(beyond.body()).isEmpty();

    Got two = get(h, "/a", "range", "bytes=0-1,3-4");
    assertThat(two.status()).isEqualTo(200);
    assertThat(two.body()).isEqualTo("response 1");
    assertThat(upstreamSaw).hasSize(1);
    h.downstream.releaseAll();
  }

  @Test
  void keyCreatorParamsDecideWhichRequestsShareAnEntry() throws Exception {
    StreamHarness h =
        harness(
            """
            key_creator_params:
              exclude_host: true
              query_parameters_excluded: [{ name: utm }]
            """,
            SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    get(h, "/a?id=1&utm=x");
    get(h, "/a?id=1&utm=y");
    get(h, "/a?id=1");
    assertThat(upstreamSaw).hasSize(1);
    get(h, "/a?id=2");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }

  @Test
  void aBodyOverMaxBodyBytesIsPassedOnButNotStored() throws Exception {
    StreamHarness h = harness("max_body_bytes: 5", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    assertThat(get(h, "/a").body()).isEqualTo("response 1");
    assertThat(get(h, "/a").body()).isEqualTo("response 2");
    h.downstream.releaseAll();
  }

  @Test
  void aDisabledCacheDoesNothing() throws Exception {
    StreamHarness h = harness("disabled: true", SimpleHttpCache.DEFAULT_CAPACITY_BYTES);
    upstreamAnswers("cache-control", "max-age=60", "date", date(T0));
    get(h, "/a");
    get(h, "/a");
    assertThat(upstreamSaw).hasSize(2);
    h.downstream.releaseAll();
  }
}
