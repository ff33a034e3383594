package io.attache.controlplane.translate;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.route;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Duration;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.attache.api.policy.v1.RateLimit;
import io.attache.api.policy.v1.Service;
import io.attache.controlplane.policy.PolicySnapshot;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import java.util.List;
import org.junit.jupiter.api.Test;

class RateLimitTranslatorTest {

  private static final Sidecar WITH_APP =
      new Sidecar("0.0.0.0", 15001, "0.0.0.0", 15006, "127.0.0.1", 9102);
  private static final ProxyGroup PAYMENTS = new ProxyGroup("payments", ClientKind.PROXY, WITH_APP);

  private static final RateLimit TEN_PER_SECOND_BURST_TWENTY =
      RateLimit.newBuilder()
          .setTokensPerFill(10)
          .setFillInterval(Duration.newBuilder().setSeconds(1))
          .setMaxTokens(20)
          .setXRatelimitHeaders(true)
          .build();

  private final SnapshotTranslator translator = new SnapshotTranslator();

  @Test
  void givesAServiceWithoutLimitsNoFilterAndTheSingleCatchAllRoute() throws Exception {
    PolicySnapshot policy =
        policy(
            List.of(service("payments", 9001)), route("charge", "payments", "/charge", "payments"));

    HttpConnectionManager inbound = inbound(policy);

    assertThat(inbound.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly(XdsNames.ROUTER_FILTER);
    assertThat(inbound.getRouteConfig().getVirtualHosts(0).getRoutesList())
        .extracting(Route::getName)
        .containsExactly(XdsNames.INBOUND_LISTENER);
  }

  @Test
  void enforcesAServiceLimitWithTheFiltersOwnTokenBucketBeforeTheRouter() throws Exception {
    PolicySnapshot policy =
        policy(List.of(limited(service("payments", 9001), TEN_PER_SECOND_BURST_TWENTY)));

    HttpConnectionManager inbound = inbound(policy);

    assertThat(inbound.getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly(XdsNames.LOCAL_RATELIMIT_FILTER, XdsNames.ROUTER_FILTER);
    assertThat(inbound.getHttpFilters(0).getTypedConfig().unpack(LocalRateLimit.class))
        .isEqualTo(
            envoy(
                """
                {"stat_prefix": "inbound_rate_limit",
                 "token_bucket": {"max_tokens": 20, "tokens_per_fill": 10, "fill_interval": "1s"},
                 "filter_enabled": {"default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                 "filter_enforced": {"default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                 "enable_x_ratelimit_headers": "DRAFT_VERSION_03"}"""));
  }

  @Test
  void givesARouteLimitItsOwnBucketOnARepeatedRouteAndLeavesTheFilterDisabled() throws Exception {
    RateLimit fivePerMinuteAs503 =
        RateLimit.newBuilder()
            .setTokensPerFill(5)
            .setFillInterval(Duration.newBuilder().setSeconds(60))
            .setStatus(503)
            .build();
    PolicySnapshot policy =
        policy(
            List.of(service("payments", 9001)),
            route("charge", "payments", "/charge", "payments").toBuilder()
                .setRateLimit(fivePerMinuteAs503)
                .build(),
            route("charge-v1", "payments", "/charge/v1", "payments"),
            route("elsewhere", "orders", "/", "orders"));

    HttpConnectionManager inbound = inbound(policy);

    assertThat(inbound.getHttpFilters(0).getTypedConfig().unpack(LocalRateLimit.class))
        .as("disabled: filter_enabled defaults to 0 %%, so unlimited routes pass")
        .isEqualTo(LocalRateLimit.newBuilder().setStatPrefix("inbound_rate_limit").build());
    List<Route> routes = inbound.getRouteConfig().getVirtualHosts(0).getRoutesList();
    assertThat(routes)
        .extracting(Route::getName)
        .as("the outbound order, so a request meets the same route on both sides")
        .containsExactly("charge-v1", "charge", XdsNames.INBOUND_LISTENER);
    assertThat(routes.get(0).getTypedPerFilterConfigMap()).isEmpty();
    assertThat(routes.get(1).getMatch().getPrefix()).isEqualTo("/charge");
    assertThat(routes.get(1).getRoute().getCluster()).isEqualTo(WITH_APP.appClusterName());
    assertThat(
            routes
                .get(1)
                .getTypedPerFilterConfigOrThrow(XdsNames.LOCAL_RATELIMIT_FILTER)
                .unpack(LocalRateLimit.class))
        .isEqualTo(
            envoy(
                """
                {"stat_prefix": "inbound_rate_limit",
                 "token_bucket": {"max_tokens": 5, "tokens_per_fill": 5, "fill_interval": "60s"},
                 "filter_enabled": {"default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                 "filter_enforced": {"default_value": {"numerator": 100, "denominator": "HUNDRED"}},
                 "status": {"code": 503}}"""));
  }

  @Test
  void limitsNeitherCallersOutboundListenersNorOtherServicesSidecars() throws Exception {
    PolicySnapshot policy =
        policy(
            List.of(
                limited(service("payments", 9001), TEN_PER_SECOND_BURST_TWENTY),
                service("orders", 9002)));

    EnvoyResources payments = translator.translate(policy, PAYMENTS);
    assertThat(hcm(listener(payments, XdsNames.OUTBOUND_LISTENER)).getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .doesNotContain(XdsNames.LOCAL_RATELIMIT_FILTER);
    EnvoyResources orders =
        translator.translate(policy, new ProxyGroup("orders", ClientKind.PROXY, WITH_APP));
    assertThat(hcm(listener(orders, XdsNames.INBOUND_LISTENER)).getHttpFiltersList())
        .extracting(HttpFilter::getName)
        .containsExactly(XdsNames.ROUTER_FILTER);
  }

  private static Service limited(Service service, RateLimit limit) {
    return service.toBuilder().setRateLimit(limit).build();
  }

  private HttpConnectionManager inbound(PolicySnapshot policy)
      throws InvalidProtocolBufferException {
    return hcm(listener(translator.translate(policy, PAYMENTS), XdsNames.INBOUND_LISTENER));
  }

  private static Listener listener(EnvoyResources resources, String name) {
    return resources.listeners().stream()
        .filter(l -> l.getName().equals(name))
        .findFirst()
        .orElseThrow();
  }

  private static HttpConnectionManager hcm(Listener listener)
      throws InvalidProtocolBufferException {
    return listener
        .getFilterChains(0)
        .getFilters(0)
        .getTypedConfig()
        .unpack(HttpConnectionManager.class);
  }

  private static LocalRateLimit envoy(String json) throws InvalidProtocolBufferException {
    LocalRateLimit.Builder builder = LocalRateLimit.newBuilder();
    JsonFormat.parser().merge(json, builder);
    return builder.build();
  }
}
