package io.attache.dataplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import io.envoyproxy.envoy.extensions.filters.http.cors.v3.CorsPolicy;
import io.envoyproxy.envoy.extensions.filters.http.router.v3.Router;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import org.junit.jupiter.api.Test;

/** TypedStructs in resources that arrive over xDS as protobuf bytes, through the real parsers. */
class TypedStructResourcesTest {
  private static final String HCM =
      "type.googleapis.com/"
          + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager";
  private static final String ROUTER =
      "type.googleapis.com/envoy.extensions.filters.http.router.v3.Router";

  private static Struct struct(String json) throws Exception {
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(json, b);
    return b.build();
  }

  private static Any xdsTypedStruct(String typeUrl, String json) throws Exception {
    return Any.pack(
        com.github.xds.type.v3.TypedStruct.newBuilder()
            .setTypeUrl(typeUrl)
            .setValue(struct(json))
            .build());
  }

  private static Any udpaTypedStruct(String typeUrl, String json) throws Exception {
    return Any.pack(
        com.github.udpa.udpa.type.v1.TypedStruct.newBuilder()
            .setTypeUrl(typeUrl)
            .setValue(struct(json))
            .build());
  }

  /** The test listener with its HCM sent as an xds.type.v3.TypedStruct. */
  private static Listener listenerWithHcm(Any hcm) {
    Listener listener = TestResources.rdsListener("ingress", "local_route");
    Listener.Builder b = listener.toBuilder();
    b.getFilterChainsBuilder(0).getFiltersBuilder(0).setTypedConfig(hcm);
    return b.build();
  }

  @Test
  void aListenerWhoseConnectionManagerAndRouterAreTypedStructsIsReadAsTheTypesTheyName()
      throws Exception {
    Any hcm =
        xdsTypedStruct(
            HCM,
            "{\"stat_prefix\": \"ingress\","
                + " \"rds\": {\"route_config_name\": \"local_route\","
                + "   \"config_source\": {\"ads\": {}, \"resource_api_version\": \"V3\"}},"
                + " \"http_filters\": [{\"name\": \"envoy.filters.http.router\","
                + "   \"typed_config\": {\"@type\": \"type.googleapis.com/udpa.type.v1.TypedStruct\","
                + "     \"type_url\": \""
                + ROUTER
                + "\", \"value\": {\"suppress_envoy_headers\": true}}}]}");

    ResourceParser.Outcome outcome =
        new ListenerResourceParser().parse(Any.pack(listenerWithHcm(hcm)), 0);

    assertThat(outcome.error()).isEmpty();
    Listener parsed = (Listener) outcome.resource().orElseThrow().proto();
    Any typedConfig = parsed.getFilterChains(0).getFilters(0).getTypedConfig();
    assertThat(typedConfig.getTypeUrl()).isEqualTo(HCM);
    HttpConnectionManager unwrapped = typedConfig.unpack(HttpConnectionManager.class);
    assertThat(unwrapped.getStatPrefix()).isEqualTo("ingress");
    assertThat(unwrapped.getRds().getRouteConfigName()).isEqualTo("local_route");
    assertThat(unwrapped.getHttpFilters(0).getTypedConfig().getTypeUrl()).isEqualTo(ROUTER);
    assertThat(
            unwrapped
                .getHttpFilters(0)
                .getTypedConfig()
                .unpack(Router.class)
                .getSuppressEnvoyHeaders())
        .isTrue();
  }

  @Test
  void aTypedStructNestedInsideAnOrdinaryAnyIsUnwrapped() throws Exception {
    Listener listener = TestResources.rdsListener("ingress", "local_route");
    HttpConnectionManager hcm =
        listener
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class);
    HttpConnectionManager.Builder wrappedRouter = hcm.toBuilder();
    wrappedRouter
        .getHttpFiltersBuilder(0)
        .setTypedConfig(udpaTypedStruct(ROUTER, "{\"start_child_span\": true}"));

    ResourceParser.Outcome outcome =
        new ListenerResourceParser()
            .parse(Any.pack(listenerWithHcm(Any.pack(wrappedRouter.build()))), 0);

    assertThat(outcome.error()).isEmpty();
    Listener parsed = (Listener) outcome.resource().orElseThrow().proto();
    Any router =
        parsed
            .getFilterChains(0)
            .getFilters(0)
            .getTypedConfig()
            .unpack(HttpConnectionManager.class)
            .getHttpFilters(0)
            .getTypedConfig();
    assertThat(router.getTypeUrl()).isEqualTo(ROUTER);
    assertThat(router.unpack(Router.class).getStartChildSpan()).isTrue();
  }

  @Test
  void aPerRouteFilterConfigGivenAsATypedStructIsUnwrappedInTheMap() throws Exception {
    RouteConfiguration routes = TestResources.routes("local_route", "backend");
    RouteConfiguration.Builder b = routes.toBuilder();
    b.getVirtualHostsBuilder(0)
        .putTypedPerFilterConfig(
            "envoy.filters.http.cors",
            xdsTypedStruct(
                "type.googleapis.com/envoy.extensions.filters.http.cors.v3.CorsPolicy",
                "{\"allow_methods\": \"GET\","
                    + " \"allow_origin_string_match\": [{\"exact\": \"https://a.example\"}]}"));

    ResourceParser.Outcome outcome = new RouteConfigResourceParser().parse(Any.pack(b.build()), 0);

    assertThat(outcome.error()).isEmpty();
    RouteConfiguration parsed = (RouteConfiguration) outcome.resource().orElseThrow().proto();
    CorsPolicy cors =
        parsed
            .getVirtualHosts(0)
            .getTypedPerFilterConfigOrThrow("envoy.filters.http.cors")
            .unpack(CorsPolicy.class);
    assertThat(cors.getAllowMethods()).isEqualTo("GET");
    assertThat(cors.getAllowOriginStringMatch(0).getExact()).isEqualTo("https://a.example");
  }

  @Test
  void aTypedStructNamingATypeAttacheDoesNotKnowIsRefusedByFieldPath() throws Exception {
    Any hcm = xdsTypedStruct("type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua", "{}");

    ResourceParser.Outcome outcome =
        new ListenerResourceParser().parse(Any.pack(listenerWithHcm(hcm)), 0);

    assertThat(outcome.resource()).isEmpty();
    assertThat(outcome.error())
        .hasValue(
            "listeners[\"ingress\"].filter_chains[0].filters[0].typed_config.type_url:"
                + " unsupported extension type"
                + " type.googleapis.com/envoy.extensions.filters.http.lua.v3.Lua"
                + " (not supported by Attaché)");
  }

  @Test
  void aStructFieldTheNamedTypeDoesNotHaveIsRefusedByFieldPath() throws Exception {
    Any hcm = xdsTypedStruct(HCM, "{\"stat_prefix\": \"ingress\", \"no_such_field\": 1}");

    ResourceParser.Outcome outcome =
        new ListenerResourceParser().parse(Any.pack(listenerWithHcm(hcm)), 0);

    assertThat(outcome.resource()).isEmpty();
    assertThat(outcome.error().orElseThrow())
        .startsWith(
            "listeners[\"ingress\"].filter_chains[0].filters[0].typed_config.value.no_such_field:"
                + " unknown field");
  }

  @Test
  void aResourceWithoutTypedStructsIsReturnedAsGiven() throws Exception {
    Listener listener = TestResources.rdsListener("ingress", "local_route");

    assertThat(io.attache.dataplane.config.TypedStructs.unwrap(listener, "listeners[\"ingress\"]"))
        .isSameAs(listener);
  }
}
