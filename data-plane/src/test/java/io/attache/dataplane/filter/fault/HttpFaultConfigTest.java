package io.attache.dataplane.filter.fault;

import static io.attache.dataplane.filter.fault.FaultConfigs.fault;
import static io.attache.dataplane.filter.fault.FaultConfigs.fixedDelay;
import static io.attache.dataplane.filter.fault.FaultConfigs.httpAbort;
import static io.attache.dataplane.filter.fault.FaultConfigs.percent;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.route.v3.HeaderMatcher;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultDelay;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.type.matcher.v3.RegexMatcher;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpFaultConfigTest {
  private static final String PATH = "listeners[0].http_filters[0].typed_config";

  private static ConfigException rejection(HTTPFault proto) {
    try {
      HttpFaultConfig.from(proto, PATH);
    } catch (ConfigException e) {
      return e;
    }
    throw new AssertionError("expected " + proto + " to be rejected");
  }

  @Test
  void parsesAFullConfigFromItsTypedConfig() throws Exception {
    HTTPFault proto =
        fault()
            .setDelay(fixedDelay(1250, percent(10)))
            .setAbort(httpAbort(503, percent(5)))
            .setUpstreamCluster("backend")
            .addDownstreamNodes("canary")
            .setAbortPercentRuntime("ignored.key")
            .build();

    HttpFaultConfig config = HttpFaultConfig.from(Any.pack(proto), PATH);

    assertThat(config.delay().orElseThrow().fixedDelay()).isEqualTo(Duration.ofMillis(1250));
    assertThat(config.delay().orElseThrow().percentage()).isEqualTo(new FaultPercentage(10, 100));
    assertThat(config.abort().orElseThrow().httpStatus()).isEqualTo(503);
    assertThat(config.upstreamCluster()).isEqualTo("backend");
    assertThat(config.downstreamNodes()).containsExactly("canary");
    assertThat(config.maxActiveFaults()).isEmpty();
  }

  @Test
  void rejectsAnotherFiltersTypedConfig() {
    assertThatThrownBy(() -> HttpFaultConfig.from(Any.pack(Router.getDefaultInstance()), PATH))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("envoy.extensions.filters.http.router.v3.Router")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(PATH);
  }

  @Test
  void rejectsAnHttpStatusOutsideTwoHundredToFiveNinetyNine() {
    assertThat(rejection(fault().setAbort(httpAbort(600, percent(1))).build()).fieldPath())
        .isEqualTo(PATH + ".abort.http_status");
    assertThat(rejection(fault().setAbort(httpAbort(199, percent(1))).build()).fieldPath())
        .isEqualTo(PATH + ".abort.http_status");
  }

  @Test
  void rejectsAnAbortWithoutAnErrorType() {
    assertThat(
            rejection(fault().setAbort(FaultAbort.newBuilder().setPercentage(percent(1))).build()))
        .hasMessageContaining("http_status, grpc_status, header_abort")
        .extracting(ConfigException::fieldPath)
        .isEqualTo(PATH + ".abort");
  }

  @Test
  void rejectsAZeroOrMissingDelay() {
    assertThat(rejection(fault().setDelay(fixedDelay(0, percent(1))).build()).fieldPath())
        .isEqualTo(PATH + ".delay.fixed_delay");
    assertThat(rejection(fault().setDelay(FaultDelay.newBuilder()).build()).fieldPath())
        .isEqualTo(PATH + ".delay");
  }

  @Test
  void rejectsResponseRateLimitAsUnsupported() {
    HTTPFault proto =
        fault()
            .setResponseRateLimit(
                FaultRateLimit.newBuilder()
                    .setFixedLimit(FaultRateLimit.FixedLimit.newBuilder().setLimitKbps(1)))
            .build();
    assertThat(rejection(proto).fieldPath()).isEqualTo(PATH + ".response_rate_limit");
  }

  @Test
  void namesTheFaultyHeaderMatcher() {
    HTTPFault emptyName =
        fault()
            .addHeaders(HeaderMatcher.newBuilder().setName("x-ok").setExactMatch("1"))
            .addHeaders(HeaderMatcher.newBuilder().setExactMatch("1"))
            .build();
    assertThat(rejection(emptyName).fieldPath()).isEqualTo(PATH + ".headers[1].name");

    HTTPFault badRegex =
        fault()
            .addHeaders(
                HeaderMatcher.newBuilder()
                    .setName("x-user")
                    .setSafeRegexMatch(RegexMatcher.newBuilder().setRegex("(unclosed")))
            .build();
    assertThat(rejection(badRegex).fieldPath())
        .isEqualTo(PATH + ".headers[0].safe_regex_match.regex");
  }

  @Test
  void acceptsAConfigWithNeitherAbortNorDelayAsAFilterThatDoesNothing() throws Exception {
    HttpFaultConfig config = HttpFaultConfig.from(fault().build(), PATH);
    assertThat(config.delay()).isEmpty();
    assertThat(config.abort()).isEmpty();
  }
}
