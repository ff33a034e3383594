package io.attache.dataplane.router;

import static io.attache.dataplane.router.TestConfigs.get;
import static io.attache.dataplane.router.TestConfigs.parse;
import static io.attache.dataplane.router.TestConfigs.route;
import static io.attache.dataplane.router.TestConfigs.table;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * {@code request_mirror_policies} as the route compiler reads them: the most specific level wins,
 * the cluster comes from the config or a header, the fraction from the runtime, and the shadow's
 * authority gets Envoy's {@code -shadow} suffix.
 */
class RequestMirrorPolicyTest {
  private static List<RequestMirrorPolicy> mirrors(RouteTable table, String path) {
    return ((RouteDecision.Forward) route(table, get("h", path))).policy().requestMirrorPolicies();
  }

  private static RequestMirrorPolicy fixed(String cluster) {
    return new RequestMirrorPolicy(Optional.of(cluster), Optional.empty(), 1, 1, false);
  }

  @Test
  void theRoutesListWinsOverTheVirtualHostsWhichWinsOverTheRouteConfigurations() {
    RouteTable table =
        table(
            "{\"request_mirror_policies\":[{\"cluster\":\"from-config\"}],"
                + "\"virtual_hosts\":["
                + "{\"name\":\"a\",\"domains\":[\"h\"],"
                + "\"request_mirror_policies\":[{\"cluster\":\"from-vhost\"}],\"routes\":["
                + "{\"match\":{\"prefix\":\"/own\"},\"route\":{\"cluster\":\"main\","
                + "\"request_mirror_policies\":[{\"cluster\":\"from-route\"},"
                + "{\"cluster\":\"second\"}]}},"
                + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"main\"}}]},"
                + "{\"name\":\"b\",\"domains\":[\"*\"],\"routes\":["
                + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"main\"}}]}]}");

    assertThat(mirrors(table, "/own")).containsExactly(fixed("from-route"), fixed("second"));
    assertThat(mirrors(table, "/other")).containsExactly(fixed("from-vhost"));
    assertThat(
            ((RouteDecision.Forward) route(table, get("elsewhere", "/")))
                .policy()
                .requestMirrorPolicies())
        .containsExactly(fixed("from-config"));
    assertThat(table.referencedClusters())
        .contains("from-config", "from-vhost", "from-route", "second");
  }

  @Test
  void aClusterHeaderNamesTheShadowClusterPerRequestAndAnEmptyOneShadowsNothing() {
    RouteTable table =
        table(
            "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":["
                + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"main\","
                + "\"request_mirror_policies\":[{\"cluster_header\":\"X-Shadow-To\"}]}}]}]}");
    RequestMirrorPolicy policy = mirrors(table, "/").get(0);
    HttpHeaders headers = new DefaultHttpHeaders();

    assertThat(policy.clusterFor(headers)).isEmpty();
    headers.set("x-shadow-to", "");
    assertThat(policy.clusterFor(headers)).isEmpty();
    headers.set("x-shadow-to", "canary");
    assertThat(policy.clusterFor(headers)).contains("canary");
  }

  @Test
  void theRuntimeFractionComesFromTheRuntimeKeyElseItsDefaultAndWithoutOneEveryRequestIsShadowed()
      throws Exception {
    String json =
        "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":["
            + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"main\","
            + "\"request_mirror_policies\":[{\"cluster\":\"m\",\"runtime_fraction\":"
            + "{\"default_value\":{\"numerator\":10,\"denominator\":\"HUNDRED\"},"
            + "\"runtime_key\":\"mirror.share\"}},{\"cluster\":\"all\"}]}}]}]}";
    RequestMirrorPolicy byDefault = mirrors(table(json), "/").get(0);
    assertThat(byDefault.admits(9)).isTrue();
    assertThat(byDefault.admits(10)).isFalse();
    assertThat(byDefault.admits(109)).isTrue();

    Struct.Builder layer = Struct.newBuilder();
    JsonFormat.parser().merge("{\"mirror\":{\"share\":50}}", layer);
    RuntimeSnapshot runtime =
        RuntimeSnapshot.from(
            LayeredRuntime.newBuilder()
                .addLayers(RuntimeLayer.newBuilder().setName("static").setStaticLayer(layer))
                .build(),
            "layered_runtime");
    RouteTable fromRuntime =
        RouteTable.compile(
            parse(json), "route_config", RouteTableOptions.DEFAULT.withRuntime(runtime));
    RequestMirrorPolicy fromKey = mirrors(fromRuntime, "/").get(0);
    assertThat(fromKey.admits(49)).isTrue();
    assertThat(fromKey.admits(50)).isFalse();
    assertThat(fromRuntime.runtimeKeys()).containsExactly("mirror.share");

    RequestMirrorPolicy always = mirrors(fromRuntime, "/").get(1);
    assertThat(always.admits(0)).isTrue();
    assertThat(always.admits(-1)).isTrue();
  }

  @Test
  void theShadowAuthorityGetsTheSuffixBeforeAnyPortUnlessItIsDisabled() {
    RequestMirrorPolicy policy = fixed("m");
    assertThat(policy.shadowAuthority("example.com")).isEqualTo("example.com-shadow");
    assertThat(policy.shadowAuthority("example.com:8080")).isEqualTo("example.com-shadow:8080");
    assertThat(policy.shadowAuthority("[::1]:80")).isEqualTo("[::1]-shadow:80");
    assertThat(policy.shadowAuthority("[::1]")).isEqualTo("[::1]-shadow");

    RequestMirrorPolicy keeping =
        new RequestMirrorPolicy(Optional.of("m"), Optional.empty(), 1, 1, true);
    assertThat(keeping.shadowAuthority("example.com:8080")).isEqualTo("example.com:8080");
  }

  @Test
  void aPolicyNeedsExactlyOneOfClusterAndClusterHeaderAndAFractionNeedsItsDefault() {
    assertRefused(
        "[{\"cluster\":\"a\",\"cluster_header\":\"x-to\"}]",
        "route_config.virtual_hosts[0].routes[0].route.request_mirror_policies[0]");
    assertRefused(
        "[{\"cluster\":\"a\"},{}]",
        "route_config.virtual_hosts[0].routes[0].route.request_mirror_policies[1]");
    assertRefused(
        "[{\"cluster\":\"a\",\"runtime_fraction\":{\"runtime_key\":\"k\"}}]",
        "route_config.virtual_hosts[0].routes[0].route.request_mirror_policies[0]"
            + ".runtime_fraction.default_value");
  }

  private static void assertRefused(String policies, String fieldPath) {
    String json =
        "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":["
            + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"main\","
            + "\"request_mirror_policies\":"
            + policies
            + "}}]}]}";
    assertThatThrownBy(() -> RouteTable.compile(parse(json), "route_config"))
        .isInstanceOfSatisfying(
            ConfigException.class, e -> assertThat(e.fieldPath()).isEqualTo(fieldPath));
  }
}
