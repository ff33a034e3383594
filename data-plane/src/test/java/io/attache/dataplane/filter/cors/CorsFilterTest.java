package io.attache.dataplane.filter.cors;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CORS filter on the connection manager's chain: policies from the virtual host and the route,
 * merged as Envoy merges them. The routes forward to a cluster that does not exist, so a request
 * that passes the filter is answered 503 by the router (through the filter's response side).
 */
class CorsFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: all
          domains: ["*"]
          typed_per_filter_config:
            envoy.filters.http.cors:
              "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
              allow_origin_string_match:
              - exact: https://app.example.com
              - safe_regex: { regex: "https://[a-z]+\\\\.trusted\\\\.example" }
              allow_methods: GET,POST
              allow_headers: content-type,x-custom
              expose_headers: x-request-id
              max_age: "600"
              allow_credentials: true
          routes:
          - match: { prefix: "/open" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                allow_origin_string_match: [ { exact: "*" } ]
                allow_methods: "*"
                allow_headers: "*"
                allow_credentials: false
          - match: { prefix: "/strict" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                forward_not_matching_preflights: false
          - match: { prefix: "/shadow" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                filter_enabled: { default_value: { numerator: 0 } }
                shadow_enabled: { default_value: { numerator: 100 } }
          - match: { prefix: "/off" }
            route: { cluster: absent }
            typed_per_filter_config:
              envoy.filters.http.cors:
                "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy
                filter_enabled: { default_value: { numerator: 0 } }
          - match: { prefix: "/direct" }
            direct_response: { status: 200 }
          - match: { prefix: "/" }
            route: { cluster: absent }
      http_filters:
      - name: envoy.filters.http.cors
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.cors.v3.Cors
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private final StreamHarness harness;

  CorsFilterTest() throws Exception {
    harness =
        new StreamHarness(
            HCM, StreamHarness.configuredFilters(HCM), RandomSource.seeded(1), name -> null);
  }

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  private static FullHttpRequest request(HttpMethod method, String path, String origin) {
    FullHttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    if (origin != null) {
      request.headers().set("origin", origin);
    }
    return request;
  }

  private static FullHttpRequest preflight(String path, String origin) {
    FullHttpRequest request = request(HttpMethod.OPTIONS, path, origin);
    request.headers().set("access-control-request-method", "PUT");
    request.headers().set("access-control-request-headers", "x-one,x-two");
    return request;
  }

  private HttpResponse send(FullHttpRequest request) {
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(request);
    return (HttpResponse)
        harness.downstream.written.stream()
            .filter(HttpResponse.class::isInstance)
            .findFirst()
            .orElseThrow();
  }

  @Test
  void aPreflightFromAnAllowedOriginIsAnsweredLocallyWithTheVirtualHostsAllowHeaders() {
    HttpResponse response = send(preflight("/api", "https://app.example.com"));

    assertThat(response.status().code()).isEqualTo(200);
    HttpHeaders h = response.headers();
    assertThat(h.get("access-control-allow-origin")).isEqualTo("https://app.example.com");
    assertThat(h.get("access-control-allow-methods")).isEqualTo("GET,POST");
    assertThat(h.get("access-control-allow-headers")).isEqualTo("content-type,x-custom");
    assertThat(h.get("access-control-max-age")).isEqualTo("600");
    assertThat(h.get("access-control-allow-credentials")).isEqualTo("true");
    assertThat(h.get("access-control-expose-headers"))
        .as("the reply passes the filter's own response side, as in Envoy 1.40")
        .isEqualTo("x-request-id");
    assertThat(h.get("content-length")).isEqualTo("0");
    assertThat(harness.info().responseCodeDetails()).isEqualTo("cors_response");
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isEqualTo(1);
    assertThat(harness.counter("http.ingress.cors.origin_invalid")).isZero();
  }

  @Test
  void anOriginMatchedByTheRegexMatcherIsAllowed() {
    HttpResponse response = send(preflight("/api", "https://shop.trusted.example"));

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().get("access-control-allow-origin"))
        .isEqualTo("https://shop.trusted.example");
  }

  @Test
  void aPreflightFromAnUnknownOriginIsForwardedByDefault() {
    HttpResponse response = send(preflight("/api", "https://evil.example"));

    assertThat(response.status().code()).as("the router answered: no cluster").isEqualTo(503);
    assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(harness.counter("http.ingress.cors.origin_invalid")).isEqualTo(1);
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isZero();
  }

  @Test
  void
      withForwardNotMatchingPreflightsFalseAnUnknownOriginsPreflightIsAnsweredWithoutAllowOrigin() {
    HttpResponse response = send(preflight("/strict", "https://evil.example"));

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(response.headers().get("access-control-allow-methods"))
        .as("the virtual host's fields still apply")
        .isEqualTo("GET,POST");
  }

  @Test
  void theRoutesPolicyOverridesTheVirtualHostFieldByFieldAndStarEchoesTheRequest() {
    HttpResponse response = send(preflight("/open", "https://anyone.example"));

    HttpHeaders h = response.headers();
    assertThat(response.status().code()).isEqualTo(200);
    assertThat(h.get("access-control-allow-origin")).isEqualTo("https://anyone.example");
    assertThat(h.get("access-control-allow-methods")).isEqualTo("PUT");
    assertThat(h.get("access-control-allow-headers")).isEqualTo("x-one,x-two");
    assertThat(h.get("access-control-max-age")).as("from the virtual host").isEqualTo("600");
    assertThat(h.get("access-control-expose-headers")).isEqualTo("x-request-id");
    assertThat(h.contains("access-control-allow-credentials"))
        .as("the route says false, which wins over the virtual host's true")
        .isFalse();
  }

  @Test
  void aSimpleCrossOriginRequestIsForwardedAndItsResponseCarriesAllowOriginAndExposeHeaders() {
    HttpResponse response = send(request(HttpMethod.GET, "/api", "https://app.example.com"));

    HttpHeaders h = response.headers();
    assertThat(response.status().code()).isEqualTo(503);
    assertThat(h.get("access-control-allow-origin")).isEqualTo("https://app.example.com");
    assertThat(h.get("access-control-allow-credentials")).isEqualTo("true");
    assertThat(h.get("access-control-expose-headers")).isEqualTo("x-request-id");
    assertThat(h.contains("access-control-allow-methods")).isFalse();
  }

  @Test
  void anOptionsRequestWithoutAccessControlRequestMethodIsNotAPreflight() {
    HttpResponse response = send(request(HttpMethod.OPTIONS, "/api", "https://app.example.com"));

    assertThat(response.status().code()).isEqualTo(503);
    assertThat(response.headers().get("access-control-allow-origin"))
        .isEqualTo("https://app.example.com");
  }

  @Test
  void aRequestWithoutOriginIsLeftAloneAndNotCounted() {
    HttpResponse response = send(request(HttpMethod.GET, "/api", null));

    assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isZero();
    assertThat(harness.counter("http.ingress.cors.origin_invalid")).isZero();
  }

  @Test
  void inShadowModeOriginsAreCountedButNeitherPreflightsNorResponsesAreTouched() {
    HttpResponse preflight = send(preflight("/shadow", "https://app.example.com"));
    HttpResponse simple = send(request(HttpMethod.GET, "/shadow", "https://evil.example"));

    assertThat(preflight.status().code()).isEqualTo(503);
    assertThat(preflight.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(simple.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isEqualTo(1);
    assertThat(harness.counter("http.ingress.cors.origin_invalid")).isEqualTo(1);
  }

  @Test
  void aPolicyWithFilterEnabledZeroAndNoShadowDoesNothing() {
    HttpResponse response = send(preflight("/off", "https://app.example.com"));

    assertThat(response.status().code()).isEqualTo(503);
    assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isZero();
  }

  @Test
  void aDirectResponseRouteHasNoCorsPolicyAsInEnvoy() {
    HttpResponse response = send(preflight("/direct", "https://app.example.com"));

    assertThat(response.status().code()).isEqualTo(200);
    assertThat(response.headers().contains("access-control-allow-origin")).isFalse();
    assertThat(harness.counter("http.ingress.cors.origin_valid")).isZero();
  }
}
