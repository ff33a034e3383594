package io.attache.dataplane.hcm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.filter.ConfiguredHttpFilter;
import io.attache.dataplane.filter.rbac.RbacFilterConfig;
import io.attache.dataplane.tracing.OperationName;
import io.envoyproxy.envoy.extensions.filters.http.lua.v3.Lua;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpFilter;
import org.junit.jupiter.api.Test;

/** The HTTP filter chain in the connection manager: order, the router, RBAC specifics. */
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
  void keepsEveryHttpFilterInChainOrderWithTheRouterLast() throws Exception {
    HttpConnectionManagerConfig config =
        parse(
            RBAC_FILTER.formatted("first", "one")
                + FAULT_FILTER
                + RBAC_FILTER.formatted("second", "two")
                + ROUTER,
            "");

    assertThat(config.httpFilters())
        .extracting(ConfiguredHttpFilter::name)
        .containsExactly(
            "first", "envoy.filters.http.fault", "second", "envoy.filters.http.router");
    assertThat(config.httpFilters().get(2).config())
        .isInstanceOfSatisfying(
            RbacFilterConfig.class, rbac -> assertThat(rbac.rulesStatPrefix()).isEqualTo("two"));
  }

  @Test
  void addsNoRouterWhenNoHttpFilterIsConfiguredAsEnvoyDoesNot() throws Exception {
    // Envoy 1.40 runs no filter then (probed: even a direct_response route is never answered).
    HttpConnectionManagerConfig config = parse("  []", "");

    assertThat(config.httpFilters()).isEmpty();
  }

  @Test
  void skipsAnOptionalFilterItDoesNotHaveAndRefusesAMandatoryOne() throws Exception {
    HttpConnectionManager base = parse(ROUTER, "").proto();
    // Lua stays refused by design (docs/xds-support.md), so it stands for any filter Attaché lacks.
    HttpFilter lua =
        HttpFilter.newBuilder()
            .setName("envoy.filters.http.lua")
            .setTypedConfig(Any.pack(Lua.getDefaultInstance()))
            .build();
    HttpConnectionManager optional =
        base.toBuilder().addHttpFilters(0, lua.toBuilder().setIsOptional(true)).build();
    HttpConnectionManager mandatory = base.toBuilder().addHttpFilters(0, lua).build();

    assertThat(
            HttpConnectionManagerConfig.from(optional, "hcm", 8080, OperationName.INGRESS)
                .httpFilters())
        .hasSize(1);
    assertThatThrownBy(
            () -> HttpConnectionManagerConfig.from(mandatory, "hcm", 8080, OperationName.INGRESS))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("envoy.filters.http.lua")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("hcm.http_filters[0]");
  }

  @Test
  void refusesTheRouterBeforeAnotherFilter() {
    assertThatThrownBy(() -> parse(ROUTER + FAULT_FILTER, ""))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("must be the last")
        .extracting(e -> ((ConfigException) e).fieldPath())
        .isEqualTo("hcm.http_filters[0]");
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
