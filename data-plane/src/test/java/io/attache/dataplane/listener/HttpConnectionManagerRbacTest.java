package io.attache.dataplane.listener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.rbac.RbacFilterConfig;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.Test;

/** RBAC filters in the connection manager: chain order, per-route overrides, trusted hops. */
class HttpConnectionManagerRbacTest {
  private static final String RBAC_FILTER =
      """
      - name: %s
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
          rules_stat_prefix: %s
          rules: { action: DENY }
      """;
  private static final String FAULT_FILTER =
      """
      - name: envoy.filters.http.fault
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.fault.v3.HTTPFault
          abort: { http_status: 503, percentage: { numerator: 0 } }
      """;
  private static final String ROUTER =
      """
      - name: envoy.filters.http.router
        typed_config:
          "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
      """;

  private static HttpConnectionManagerConfig parse(String filters, String routeExtra)
      throws Exception {
    String yaml =
        """
        stat_prefix: ingress
        %s
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
        %s
            routes:
            - match: { prefix: "/" }
              route: { cluster: backend }
        http_filters:
        %s
        """
            .formatted(
                routeExtra.startsWith("xff") ? routeExtra : "",
                routeExtra.startsWith("xff") ? "" : routeExtra.indent(4),
                filters);
    HttpConnectionManager hcm =
        BootstrapLoader.parseYaml(yaml, HttpConnectionManager.newBuilder()).build();
    return HttpConnectionManagerConfig.from(hcm, "hcm", 8080, OperationName.INGRESS);
  }

  @Test
  void keepsRbacFiltersInChainOrderBeforeTheFaultFilter() throws Exception {
    HttpConnectionManagerConfig config =
        parse(
            RBAC_FILTER.formatted("first", "one")
                + RBAC_FILTER.formatted("second", "two")
                + FAULT_FILTER
                + ROUTER,
            "");

    assertThat(config.rbac())
        .extracting(RbacFilterConfig::filterName, RbacFilterConfig::rulesStatPrefix)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple("first", "one"),
            org.assertj.core.groups.Tuple.tuple("second", "two"));
    assertThat(config.fault()).isPresent();
  }

  @Test
  void refusesAnRbacFilterAfterTheFaultFilterRatherThanReorderingIt() {
    assertThatThrownBy(() -> parse(FAULT_FILTER + RBAC_FILTER.formatted("late", "x") + ROUTER, ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must come before envoy.filters.http.fault")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("hcm.http_filters[1]");
  }

  @Test
  void reportsRbacConfigErrorsUnderTheFiltersTypedConfig() {
    String bad =
        """
        - name: envoy.filters.http.rbac
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC
            rules:
              policies:
                p: { permissions: [ {requested_server_name: {exact: a}} ], principals: [ {any: true} ] }
        """;
    assertThatThrownBy(() -> parse(bad + ROUTER, ""))
        .isInstanceOf(ConfigException.class)
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(
            "hcm.http_filters[0].typed_config.rules.policies[\"p\"].permissions[0]"
                + ".requested_server_name");
  }

  @Test
  void refusesAnRbacPerRouteOverrideOnARouteOrVirtualHost() {
    String perRoute =
        """
        typed_per_filter_config:
          envoy.filters.http.rbac:
            "@type": type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBACPerRoute
        """;
    assertThatThrownBy(
            () -> parse(RBAC_FILTER.formatted("envoy.filters.http.rbac", "x") + ROUTER, perRoute))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("RBACPerRoute is not supported")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo(
            "hcm.route_config.virtual_hosts[0].typed_per_filter_config[\"envoy.filters.http.rbac\"]");
  }

  @Test
  void acceptsTrustedHopsWithRbacNowThatTheClientAddressFollowsThem() {
    assertThatCode(
            () -> parse(RBAC_FILTER.formatted("rbac", "x") + ROUTER, "xff_num_trusted_hops: 1"))
        .doesNotThrowAnyException();
  }
}
