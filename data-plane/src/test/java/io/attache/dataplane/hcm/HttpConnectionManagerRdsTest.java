package io.attache.dataplane.hcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.config.core.v3.AggregatedConfigSource;
import io.envoyproxy.envoy.config.core.v3.ConfigSource;
import io.envoyproxy.envoy.config.route.v3.Route;
import io.envoyproxy.envoy.config.route.v3.RouteAction;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.config.route.v3.RouteMatch;
import io.envoyproxy.envoy.config.route.v3.VirtualHost;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.Rds;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** HCM {@code rds}: the route table comes from the ADS snapshot, and only from there. */
class HttpConnectionManagerRdsTest {
  private static final HttpConnectionManager HCM =
      HttpConnectionManager.newBuilder()
          .setStatPrefix("ingress")
          .setRds(
              Rds.newBuilder()
                  .setRouteConfigName("local_route")
                  .setConfigSource(
                      ConfigSource.newBuilder()
                          .setAds(AggregatedConfigSource.getDefaultInstance())))
          .addHttpFilters(HttpFilter.newBuilder().setName("envoy.filters.http.router"))
          .build();

  private static final RouteConfiguration ROUTES =
      RouteConfiguration.newBuilder()
          .setName("local_route")
          .addVirtualHosts(
              VirtualHost.newBuilder()
                  .setName("all")
                  .addDomains("*")
                  .addRoutes(
                      Route.newBuilder()
                          .setMatch(RouteMatch.newBuilder().setPrefix("/"))
                          .setRoute(RouteAction.newBuilder().setCluster("backend"))))
          .build();

  @Test
  void takesTheRouteTableNamedByRdsFromTheSnapshot() throws ConfigException {
    HttpConnectionManagerConfig config =
        HttpConnectionManagerConfig.from(
            HCM,
            "listeners[\"ingress\"].hcm",
            80,
            OperationName.INGRESS,
            name -> name.equals("local_route") ? Optional.of(ROUTES) : Optional.empty());

    assertThat(config.routes().name()).isEqualTo("local_route");
    assertThat(config.routes().referencedClusters()).containsExactly("backend");
  }

  @Test
  void servesAnEmptyTableWhileTheRouteConfigurationHasNotArrived() throws ConfigException {
    HttpConnectionManagerConfig config =
        HttpConnectionManagerConfig.from(
            HCM, "listeners[\"ingress\"].hcm", 80, OperationName.INGRESS, name -> Optional.empty());

    assertThat(config.routes().name()).isEqualTo("local_route");
    assertThat(config.routes().referencedClusters()).isEmpty();
  }

  @Test
  void refusesRdsOutsideMeshModeNamingTheField() {
    assertThatThrownBy(
            () ->
                HttpConnectionManagerConfig.from(
                    HCM, "static_resources.listeners[0].hcm", 80, OperationName.INGRESS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("static_resources.listeners[0].hcm.rds")
        .hasMessageContaining("only supported for listeners that arrive over ADS");
  }

  @Test
  void namesTheRouteConfigurationWhenItsRoutesAreInvalid() {
    RouteConfiguration bad =
        ROUTES.toBuilder()
            .setVirtualHosts(0, ROUTES.getVirtualHosts(0).toBuilder().clearDomains())
            .build();

    assertThatThrownBy(
            () ->
                HttpConnectionManagerConfig.from(
                    HCM, "hcm", 80, OperationName.INGRESS, name -> Optional.of(bad)))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("route_configs[\"local_route\"]");
  }
}
