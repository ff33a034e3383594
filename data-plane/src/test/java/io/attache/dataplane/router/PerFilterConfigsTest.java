package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.fault.HttpFaultConfig;
import io.attache.dataplane.filter.fault.PerRouteFault;
import io.attache.dataplane.hcm.HttpFilterRegistry;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.route.v3.DirectResponseAction;
import io.envoyproxy.envoy.config.route.v3.FilterConfig;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.config.route.v3.WeightedCluster;
import io.envoyproxy.envoy.extensions.filters.common.fault.v3.FaultRateLimit;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.HTTPFault;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Envoy's resolution of {@code typed_per_filter_config} for the fault filter: the most specific
 * level wins (weighted cluster, route, virtual host, route configuration), by the filter's
 * configured name first and its canonical name only when no level has the configured name.
 */
class PerFilterConfigsTest {
  private static final String CANONICAL = HttpFaultConfig.FILTER_NAME;

  /** An HTTPFault entry whose {@code upstream_cluster} names where it was written. */
  private static Any faultFrom(String level) {
    return Any.pack(HTTPFault.newBuilder().setUpstreamCluster(level).build());
  }

  private static Map<String, Any> entry(String key, Any value) {
    return Map.of(key, value);
  }

  private static Route route(Map<String, Any> perFilter) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(RouteAction.newBuilder().setCluster("backend"))
        .putAllTypedPerFilterConfig(perFilter)
        .build();
  }

  private static Route weightedRoute(Map<String, Any> routeLevel, Map<String, Any> clusterLevel) {
    return Route.newBuilder()
        .setMatch(RouteMatch.newBuilder().setPrefix("/"))
        .setRoute(
            RouteAction.newBuilder()
                .setWeightedClusters(
                    WeightedCluster.newBuilder()
                        .addClusters(
                            WeightedCluster.ClusterWeight.newBuilder()
                                .setName("backend")
                                .setWeight(UInt32Value.of(1))
                                .putAllTypedPerFilterConfig(clusterLevel))))
        .putAllTypedPerFilterConfig(routeLevel)
        .build();
  }

  private static RouteConfiguration config(
      Map<String, Any> configLevel, Map<String, Any> vhostLevel, Route route) {
    return RouteConfiguration.newBuilder()
        .putAllTypedPerFilterConfig(configLevel)
        .addVirtualHosts(
            VirtualHost.newBuilder()
                .setName("vh")
                .addDomains("*")
                .putAllTypedPerFilterConfig(vhostLevel)
                .addRoutes(route))
        .build();
  }

  /** Compiled as a connection manager compiles it: per-route values parsed by their filters. */
  private static RouteTable compile(RouteConfiguration config, String path) throws ConfigException {
    return RouteTable.compile(
        config,
        path,
        RouteTableOptions.DEFAULT.withPerFilterParser(HttpFilterRegistry::parsePerRoute));
  }

  /** What the fault filter configured as {@code filterName} finds for the route. */
  private static PerRouteFault resolve(RouteConfiguration config, String filterName)
      throws ConfigException {
    RouteDecision decision =
        compile(config, "route_config")
            .route(TestConfigs.get("example.com", "/x"), RandomSource.seeded(1));
    assertThat(decision).isInstanceOf(RouteDecision.Forward.class);
    PerFilterConfigs configs = decision.perFilterConfigs();
    if (configs.presence(filterName, CANONICAL) == PerFilterConfigs.Presence.DISABLED) {
      return PerRouteFault.DISABLED;
    }
    return configs
        .config(filterName, CANONICAL)
        .filter(HttpFaultConfig.class::isInstance)
        .map(c -> PerRouteFault.override((HttpFaultConfig) c))
        .orElse(PerRouteFault.FILTER_CONFIG);
  }

  private static String writtenAt(PerRouteFault perRoute) {
    assertThat(perRoute.kind()).isEqualTo(PerRouteFault.Kind.OVERRIDE);
    return perRoute.config().orElseThrow().upstreamCluster();
  }

  @Test
  void allConfigsListsEveryLevelsEntryMostSpecificFirstByNameElseCanonicalNameSkippingDisabled()
      throws Exception {
    Any disabled = Any.pack(FilterConfig.newBuilder().setDisabled(true).build());
    RouteConfiguration config =
        config(
            entry(CANONICAL, faultFrom("route_configuration")),
            entry("my_fault", faultFrom("virtual_host")),
            weightedRoute(entry(CANONICAL, disabled), entry(CANONICAL, faultFrom("weighted"))));
    PerFilterConfigs configs =
        compile(config, "route_config")
            .route(TestConfigs.get("example.com", "/x"), RandomSource.seeded(1))
            .perFilterConfigs();

    assertThat(configs.allConfigs("my_fault", CANONICAL))
        .map(c -> ((HttpFaultConfig) c).upstreamCluster())
        .containsExactly("weighted", "virtual_host", "route_configuration");
  }

  @Test
  void theWeightedClustersEntryBeatsTheRouteTheVirtualHostAndTheRouteConfiguration()
      throws Exception {
    RouteConfiguration config =
        config(
            entry(CANONICAL, faultFrom("route_configuration")),
            entry(CANONICAL, faultFrom("virtual_host")),
            weightedRoute(
                entry(CANONICAL, faultFrom("route")),
                entry(CANONICAL, faultFrom("weighted_cluster"))));

    assertThat(writtenAt(resolve(config, CANONICAL))).isEqualTo("weighted_cluster");
  }

  @Test
  void theRoutesEntryBeatsTheVirtualHostAndTheRouteConfiguration() throws Exception {
    RouteConfiguration config =
        config(
            entry(CANONICAL, faultFrom("route_configuration")),
            entry(CANONICAL, faultFrom("virtual_host")),
            weightedRoute(entry(CANONICAL, faultFrom("route")), Map.of()));

    assertThat(writtenAt(resolve(config, CANONICAL))).isEqualTo("route");
  }

  @Test
  void theVirtualHostsEntryBeatsTheRouteConfiguration() throws Exception {
    RouteConfiguration config =
        config(
            entry(CANONICAL, faultFrom("route_configuration")),
            entry(CANONICAL, faultFrom("virtual_host")),
            route(Map.of()));

    assertThat(writtenAt(resolve(config, CANONICAL))).isEqualTo("virtual_host");
  }

  @Test
  void theRouteConfigurationsEntryAppliesWhenNothingMoreSpecificHasOne() throws Exception {
    RouteConfiguration config =
        config(entry(CANONICAL, faultFrom("route_configuration")), Map.of(), route(Map.of()));

    assertThat(writtenAt(resolve(config, CANONICAL))).isEqualTo("route_configuration");
  }

  @Test
  void withoutAnEntryTheFilterLevelConfigApplies() throws Exception {
    RouteConfiguration config =
        config(Map.of(), Map.of(), route(entry("envoy.filters.http.cors", faultFrom("other"))));

    assertThat(resolve(config, CANONICAL)).isSameAs(PerRouteFault.FILTER_CONFIG);
  }

  @Test
  void theConfiguredFilterNameAtAnyLevelBeatsTheCanonicalNameAtAMoreSpecificOne() throws Exception {
    RouteConfiguration config =
        config(
            Map.of(),
            entry("my-fault", faultFrom("virtual_host by name")),
            route(entry(CANONICAL, faultFrom("route by canonical name"))));

    assertThat(writtenAt(resolve(config, "my-fault"))).isEqualTo("virtual_host by name");
  }

  @Test
  void theCanonicalNameIsTheFallbackForAFilterWithAnotherName() throws Exception {
    RouteConfiguration config =
        config(Map.of(), Map.of(), route(entry(CANONICAL, faultFrom("route"))));

    assertThat(writtenAt(resolve(config, "my-fault"))).isEqualTo("route");
  }

  @Test
  void aTypeUrlIsNotAKey() throws Exception {
    RouteConfiguration config =
        config(Map.of(), Map.of(), route(entry(HttpFaultConfig.TYPE_URL, faultFrom("route"))));

    assertThat(resolve(config, CANONICAL)).isSameAs(PerRouteFault.FILTER_CONFIG);
  }

  @Test
  void anEntryOfAnotherTypeUnderTheFaultNameShadowsLessSpecificOnesAndLeavesTheFilterConfig()
      throws Exception {
    RouteConfiguration config =
        config(
            Map.of(),
            entry(CANONICAL, faultFrom("virtual_host")),
            route(entry(CANONICAL, Any.pack(CorsPolicy.getDefaultInstance()))));

    assertThat(resolve(config, CANONICAL)).isSameAs(PerRouteFault.FILTER_CONFIG);
  }

  @Test
  void aFilterConfigWrapperCarriesAnOverrideOrDisablesTheFilter() throws Exception {
    Any wrapped = Any.pack(FilterConfig.newBuilder().setConfig(faultFrom("wrapped")).build());
    Any disabled = Any.pack(FilterConfig.newBuilder().setDisabled(true).build());

    assertThat(
            writtenAt(
                resolve(config(Map.of(), Map.of(), route(entry(CANONICAL, wrapped))), CANONICAL)))
        .isEqualTo("wrapped");
    assertThat(
            resolve(
                config(
                    Map.of(),
                    entry(CANONICAL, faultFrom("virtual_host")),
                    route(entry(CANONICAL, disabled))),
                CANONICAL))
        .isSameAs(PerRouteFault.DISABLED);
  }

  @Test
  void rejectsAnInvalidHttpFaultEntryNamingItsFieldPathEvenOnADirectResponseRoute() {
    Any rateLimited =
        Any.pack(
            HTTPFault.newBuilder()
                .setResponseRateLimit(FaultRateLimit.getDefaultInstance())
                .build());
    Route direct =
        Route.newBuilder()
            .setMatch(RouteMatch.newBuilder().setPrefix("/"))
            .setDirectResponse(DirectResponseAction.newBuilder().setStatus(200))
            .putTypedPerFilterConfig(CANONICAL, rateLimited)
            .build();

    assertThatThrownBy(() -> compile(config(Map.of(), Map.of(), direct), "route_config"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "route_config.virtual_hosts[0].routes[0].typed_per_filter_config"
                + "[\"envoy.filters.http.fault\"].response_rate_limit");
  }

  @Test
  void rejectsAnInvalidEntryInAWeightedCluster() {
    Any rateLimited =
        Any.pack(
            HTTPFault.newBuilder()
                .setResponseRateLimit(FaultRateLimit.getDefaultInstance())
                .build());

    assertThatThrownBy(
            () ->
                compile(
                    config(
                        Map.of(),
                        Map.of(),
                        weightedRoute(Map.of(), entry("my-fault", rateLimited))),
                    "route_config"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "route_config.virtual_hosts[0].routes[0].route.weighted_clusters.clusters[0]"
                + ".typed_per_filter_config[\"my-fault\"].response_rate_limit");
  }

  @Test
  void namesARouteConfigurationLevelEntryFromTheRootWhenTheConfigStandsAlone() {
    Any rateLimited =
        Any.pack(
            HTTPFault.newBuilder()
                .setResponseRateLimit(FaultRateLimit.getDefaultInstance())
                .build());

    assertThatThrownBy(
            () -> compile(config(entry(CANONICAL, rateLimited), Map.of(), route(Map.of())), ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(
            "typed_per_filter_config[\"envoy.filters.http.fault\"].response_rate_limit")
        .hasMessageNotContaining(".typed_per_filter_config");
  }
}
