package io.attache.dataplane.filter.csrf;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.proxy.StreamHarness;
import io.attache.dataplane.time.RandomSource;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpVersion;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The CSRF filter on the connection manager's chain, without sockets, with the example sandbox's
 * policies: which requests it refuses (method, origin or referer against host, additional origins),
 * the most specific policy winning, shadow mode, runtime keys and fractions drawn from an injected
 * random source, and Envoy's 403 and stat names. A terminal filter answers 200.
 */
class CsrfFilterTest {
  private static final String HCM =
      """
      stat_prefix: ingress
      route_config:
        virtual_hosts:
        - name: www
          domains: ["*"]
          typed_per_filter_config:
            envoy.filters.http.csrf:
              "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
              filter_enabled:
                default_value: { numerator: 100, denominator: HUNDRED }
                runtime_key: csrf.www.enabled
              shadow_enabled:
                default_value: { numerator: 0, denominator: HUNDRED }
                runtime_key: csrf.www.shadow_enabled
          routes:
          - match: { prefix: "/csrf/disabled" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.csrf:
                "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
          - match: { prefix: "/csrf/shadow" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.csrf:
                "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
                shadow_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
          - match: { prefix: "/csrf/additional_origin" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.csrf:
                "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                filter_enabled: { default_value: { numerator: 100, denominator: HUNDRED } }
                additional_origins:
                - exact: partner.example:8443
                - safe_regex: { regex: ".*\\\\.trusted\\\\.example" }
          - match: { prefix: "/csrf/thirty_percent" }
            route: { cluster: backend }
            typed_per_filter_config:
              envoy.filters.http.csrf:
                "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
                filter_enabled: { default_value: { numerator: 30, denominator: HUNDRED } }
          - match: { prefix: "/" }
            route: { cluster: backend }
      http_filters:
      - name: envoy.filters.http.csrf
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.csrf.v3.CsrfPolicy
          filter_enabled: { default_value: { numerator: 0, denominator: HUNDRED } }
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static final String P = "http.ingress.csrf.";

  /** Draws 0, 1, 2, … modulo the bound: a fraction of n percent admits exactly n in 100. */
  private static final class CyclingRandom implements RandomSource {
    private long next;

    @Override
    public long nextLong() {
      return next++;
    }

    @Override
    public long nextLong(long bound) {
      return Long.remainderUnsigned(next++, bound);
    }
  }

  private final StreamHarness harness;
  private int answered;

  CsrfFilterTest() throws Exception {
    var configured = StreamHarness.configuredFilters(HCM);
    harness =
        new StreamHarness(
            HCM,
            context -> {
              List<FilterChainEntry> chain = new ArrayList<>(configured.apply(context));
              chain.set(
                  chain.size() - 1,
                  StreamHarness.entry(
                      "terminal", callbacks -> callbacks.addStreamDecoderFilter(new Terminal())));
              return chain;
            },
            new CyclingRandom(),
            name -> null);
  }

  @AfterEach
  void release() {
    harness.downstream.releaseAll();
  }

  /** Answers every request that reaches it with 200. */
  private final class Terminal implements StreamDecoderFilter {
    private StreamDecoderFilterCallbacks callbacks;

    @Override
    public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
      this.callbacks = callbacks;
    }

    @Override
    public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
      answered++;
      callbacks.sendLocalReply(LocalReply.build(callbacks.alloc(), 200, "ok", false), "ok");
      return FilterHeadersStatus.STOP_ITERATION;
    }
  }

  /** Sends one request; answers its status. */
  private int send(HttpMethod method, String path, String... headers) {
    HttpRequest request =
        new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.buffer(0));
    request.headers().set("host", "example.com");
    for (int i = 0; i < headers.length; i += 2) {
      request.headers().set(headers[i], headers[i + 1]);
    }
    harness.downstream.releaseAll();
    harness.downstream.written.clear();
    harness.request(request);
    return harness.downstream.status();
  }

  private long[] counters() {
    return new long[] {
      harness.counter(P + "missing_source_origin"),
      harness.counter(P + "request_invalid"),
      harness.counter(P + "request_valid")
    };
  }

  @Test
  void aMutatingRequestFromTheSameOriginPasses() {
    assertThat(send(HttpMethod.POST, "/", "origin", "http://example.com")).isEqualTo(200);
    assertThat(send(HttpMethod.PUT, "/", "origin", "https://example.com/")).isEqualTo(200);

    assertThat(counters()).containsExactly(0, 0, 2);
  }

  @Test
  void aMutatingRequestFromAnotherOriginIsRefusedWithEnvoys403() {
    assertThat(send(HttpMethod.DELETE, "/", "origin", "http://evil.example")).isEqualTo(403);

    assertThat(harness.downstream.body()).isEqualTo("Invalid origin");
    assertThat(harness.info().responseCodeDetails()).isEqualTo("csrf_origin_mismatch");
    assertThat(answered).isZero();
    assertThat(counters()).containsExactly(0, 1, 0);
  }

  @Test
  void theOriginsPortMustBeTheHostsAsWritten() {
    assertThat(send(HttpMethod.PATCH, "/", "origin", "http://example.com:8080")).isEqualTo(403);
  }

  @Test
  void withoutAnOriginTheRefererDecidesAndWithoutAUsableOneTheRequestIsRefusedAsMissing() {
    assertThat(send(HttpMethod.POST, "/", "referer", "http://example.com/form?x=1")).isEqualTo(200);
    assertThat(send(HttpMethod.POST, "/")).isEqualTo(403);
    assertThat(send(HttpMethod.POST, "/", "origin", "null")).isEqualTo(403);

    assertThat(counters()).containsExactly(2, 0, 1);
  }

  @Test
  void aReadIsNeverCheckedNorCounted() {
    assertThat(send(HttpMethod.GET, "/", "origin", "http://evil.example")).isEqualTo(200);
    assertThat(send(HttpMethod.OPTIONS, "/", "origin", "http://evil.example")).isEqualTo(200);

    assertThat(counters()).containsExactly(0, 0, 0);
  }

  @Test
  void aRoutesDisabledPolicyReplacesTheVirtualHostsAndNothingIsCounted() {
    assertThat(send(HttpMethod.POST, "/csrf/disabled", "origin", "http://evil.example"))
        .isEqualTo(200);

    assertThat(counters()).containsExactly(0, 0, 0);
  }

  @Test
  void inShadowModeAForeignOriginIsCountedButLetThrough() {
    assertThat(send(HttpMethod.POST, "/csrf/shadow", "origin", "http://evil.example"))
        .isEqualTo(200);
    assertThat(send(HttpMethod.POST, "/csrf/shadow", "origin", "http://example.com"))
        .isEqualTo(200);

    assertThat(counters()).containsExactly(0, 1, 1);
  }

  @Test
  void additionalOriginsAreMatchedAgainstTheSourcesHostAndPort() {
    String path = "/csrf/additional_origin";
    assertThat(send(HttpMethod.POST, path, "origin", "https://partner.example:8443"))
        .isEqualTo(200);
    assertThat(send(HttpMethod.POST, path, "origin", "https://api.trusted.example")).isEqualTo(200);
    assertThat(send(HttpMethod.POST, path, "origin", "https://partner.example")).isEqualTo(403);
  }

  @Test
  void theVirtualHostsRuntimeKeysTurnEnforcementOffAndShadowModeOn() {
    harness.runtime.modify(Map.of("csrf.www.enabled", "0", "csrf.www.shadow_enabled", "100"));
    assertThat(send(HttpMethod.POST, "/", "origin", "http://evil.example")).isEqualTo(200);
    assertThat(counters()).containsExactly(0, 1, 0);

    harness.runtime.modify(Map.of("csrf.www.enabled", "100", "csrf.www.shadow_enabled", "0"));
    assertThat(send(HttpMethod.POST, "/", "origin", "http://evil.example")).isEqualTo(403);
  }

  @Test
  void aFractionalFilterEnabledRefusesThatShareOfForeignRequests() {
    int refused = 0;
    for (int i = 0; i < 100; i++) {
      if (send(HttpMethod.POST, "/csrf/thirty_percent", "origin", "http://evil.example") == 403) {
        refused++;
      }
    }
    assertThat(refused).isEqualTo(30);
    assertThat(counters()).containsExactly(0, 30, 0);
  }

  @Test
  void hostAndPortReadsAnAbsoluteUrlsAuthorityAndNothingFromAnythingElse() {
    assertThat(CsrfFilter.hostAndPort("https://user@example.com:8443/a?b#c"))
        .isEqualTo("example.com:8443");
    assertThat(CsrfFilter.hostAndPort("http://[::1]:80")).isEqualTo("[::1]:80");
    assertThat(CsrfFilter.hostAndPort("null")).isEmpty();
    assertThat(CsrfFilter.hostAndPort("example.com")).isEmpty();
    assertThat(CsrfFilter.hostAndPort("")).isEmpty();
  }
}
