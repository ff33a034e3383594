package io.attache.dataplane.router;

import static io.attache.dataplane.router.TestConfigs.cluster;
import static io.attache.dataplane.router.TestConfigs.get;
import static io.attache.dataplane.router.TestConfigs.parse;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.time.RandomSource;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import org.junit.jupiter.api.Test;

/** A route's {@code runtime_fraction} reads its {@code runtime_key} from the layered runtime. */
class RouteRuntimeFractionTest {
  private static final String CANARY_ROUTES =
      "{\"virtual_hosts\":[{\"name\":\"vh\",\"domains\":[\"*\"],\"routes\":["
          + "{\"match\":{\"prefix\":\"/\",\"runtime_fraction\":{\"default_value\":"
          + "{\"numerator\":100,\"denominator\":\"HUNDRED\"},\"runtime_key\":\"routing.canary\"}},"
          + "\"route\":{\"cluster\":\"canary\"}},"
          + "{\"match\":{\"prefix\":\"/\"},\"route\":{\"cluster\":\"stable\"}}]}]}";

  /** A source whose every draw is {@code value}: the route's fraction is then exact. */
  private static RandomSource always(long value) {
    return new RandomSource() {
      @Override
      public long nextLong() {
        return value;
      }

      @Override
      public long nextLong(long bound) {
        return Long.remainderUnsigned(value, bound);
      }
    };
  }

  private static RouteTable withStaticLayer(String json) throws Exception {
    Struct.Builder layer = Struct.newBuilder();
    JsonFormat.parser().merge(json, layer);
    RuntimeSnapshot runtime =
        RuntimeSnapshot.from(
            LayeredRuntime.newBuilder()
                .addLayers(RuntimeLayer.newBuilder().setName("static").setStaticLayer(layer))
                .build(),
            "layered_runtime");
    return RouteTable.compile(
        parse(CANARY_ROUTES), "route_config", RouteTableOptions.DEFAULT.withRuntime(runtime));
  }

  private static String routed(RouteTable table, long random) {
    return cluster(table.route(get("h", "/"), always(random)));
  }

  @Test
  void anIntegerRuntimeValueIsAPercentThatReplacesTheDefault() throws Exception {
    RouteTable table = withStaticLayer("{\"routing\":{\"canary\":25}}");
    assertThat(routed(table, 24)).isEqualTo("canary");
    assertThat(routed(table, 25)).isEqualTo("stable");
    assertThat(routed(table, 124)).isEqualTo("canary");
  }

  @Test
  void aFractionalPercentRuntimeValueKeepsItsOwnDenominator() throws Exception {
    RouteTable table =
        withStaticLayer("{\"routing.canary\":{\"numerator\":5,\"denominator\":\"TEN_THOUSAND\"}}");
    assertThat(routed(table, 4)).isEqualTo("canary");
    assertThat(routed(table, 5)).isEqualTo("stable");
    assertThat(routed(table, 10_004)).isEqualTo("canary");
  }

  @Test
  void zeroTurnsTheRouteOffAndAboveAHundredAlwaysOn() throws Exception {
    assertThat(routed(withStaticLayer("{\"routing.canary\":0}"), 0)).isEqualTo("stable");
    assertThat(routed(withStaticLayer("{\"routing.canary\":250}"), 99)).isEqualTo("canary");
  }

  @Test
  void anAbsentKeyOrANonNumericValueLeavesTheDefault() throws Exception {
    assertThat(routed(withStaticLayer("{\"other.key\":0}"), 99)).isEqualTo("canary");
    assertThat(routed(withStaticLayer("{\"routing.canary\":\"off\"}"), 99)).isEqualTo("canary");
  }

  @Test
  void withoutARuntimeTheDefaultValueApplies() {
    RouteTable table = TestConfigs.table(CANARY_ROUTES);
    assertThat(cluster(table.route(get("h", "/"), always(99)))).isEqualTo("canary");
  }
}
