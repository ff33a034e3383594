package io.attache.dataplane.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.type.v3.FractionalPercent;
import org.junit.jupiter.api.Test;

class RuntimeSnapshotTest {
  private static final FractionalPercent TEN_PERCENT =
      FractionalPercent.newBuilder()
          .setNumerator(10)
          .setDenominator(FractionalPercent.DenominatorType.HUNDRED)
          .build();

  private static RuntimeLayer staticLayer(String name, String json) throws Exception {
    Struct.Builder layer = Struct.newBuilder();
    JsonFormat.parser().merge(json, layer);
    return RuntimeLayer.newBuilder().setName(name).setStaticLayer(layer).build();
  }

  private static RuntimeSnapshot of(RuntimeLayer... layers) throws ConfigException {
    return RuntimeSnapshot.from(
        LayeredRuntime.newBuilder().addAllLayers(java.util.List.of(layers)).build(),
        "layered_runtime");
  }

  @Test
  void nestedObjectsFlattenToDottedKeys() throws Exception {
    RuntimeSnapshot runtime =
        of(staticLayer("base", "{\"health_check\":{\"min_interval\":5},\"flag\":true}"));
    assertThat(runtime.get("health_check.min_interval").orElseThrow().unsignedInteger())
        .hasValue(5);
    assertThat(runtime.get("flag").orElseThrow().bool()).contains(true);
    assertThat(runtime.get("health_check")).isEmpty();
  }

  @Test
  void aLaterLayerOverridesAnEarlierOneAndTheAdminLayerStartsEmpty() throws Exception {
    RuntimeSnapshot runtime =
        of(
            staticLayer("base", "{\"a\":1,\"b\":2}"),
            RuntimeLayer.newBuilder()
                .setName("admin")
                .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance())
                .build(),
            staticLayer("override", "{\"b\":3}"));
    assertThat(runtime.get("a").orElseThrow().raw()).isEqualTo("1");
    assertThat(runtime.get("b").orElseThrow().raw()).isEqualTo("3");
    assertThat(runtime.layers())
        .extracting(RuntimeSnapshot.Layer::name)
        .containsExactly("base", "admin", "override");
    assertThat(runtime.layers().get(1).entries()).isEmpty();
  }

  @Test
  void anObjectWithANumeratorIsAFractionalPercentAndAnIntegerIsAPercentOfAHundred()
      throws Exception {
    RuntimeSnapshot runtime =
        of(
            staticLayer(
                "base",
                "{\"f\":{\"numerator\":3,\"denominator\":\"MILLION\"},\"i\":7,\"bad\":{\"numerator\":\"x\"}}"));
    assertThat(runtime.fractionalPercent("f", TEN_PERCENT))
        .isEqualTo(
            FractionalPercent.newBuilder()
                .setNumerator(3)
                .setDenominator(FractionalPercent.DenominatorType.MILLION)
                .build());
    assertThat(runtime.fractionalPercent("i", TEN_PERCENT).getNumerator()).isEqualTo(7);
    assertThat(runtime.fractionalPercent("bad", TEN_PERCENT)).isEqualTo(TEN_PERCENT);
    assertThat(runtime.fractionalPercent("", TEN_PERCENT)).isEqualTo(TEN_PERCENT);
  }

  @Test
  void refusesWhatEnvoyRefuses() throws Exception {
    assertThatThrownBy(() -> of(staticLayer("", "{}")))
        .hasMessageContaining("layered_runtime.layers[0].name");
    assertThatThrownBy(() -> of(staticLayer("x", "{}"), staticLayer("x", "{}")))
        .hasMessageContaining("duplicate runtime layer name x");
    assertThatThrownBy(() -> of(staticLayer("x", "{\"a\":{\"b\":[1]}}")))
        .hasMessageContaining("layered_runtime.layers[0].static_layer.a.b")
        .hasMessageContaining("Invalid runtime entry value for a.b");
    assertThatThrownBy(() -> of(RuntimeLayer.newBuilder().setName("x").build()))
        .hasMessageContaining("needs a layer specifier");
    assertThatThrownBy(
            () ->
                of(
                    RuntimeLayer.newBuilder()
                        .setName("x")
                        .setRtdsLayer(RuntimeLayer.RtdsLayer.getDefaultInstance())
                        .build()))
        .hasMessageContaining("layered_runtime.layers[0].rtds_layer: not supported");
    RuntimeLayer admin =
        RuntimeLayer.newBuilder()
            .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance())
            .setName("admin")
            .build();
    assertThatThrownBy(() -> of(admin, admin.toBuilder().setName("admin2").build()))
        .hasMessageContaining("layered_runtime.layers[1].admin_layer")
        .hasMessageContaining("at most one may be specified");
  }

  @Test
  void anAdminOverrideSitsWhereTheAdminLayerSitsAndALaterStaticLayerStillWins() throws Exception {
    RuntimeLoader loader =
        new RuntimeLoader(
            of(
                staticLayer("base", "{\"a\":1,\"b\":2}"),
                RuntimeLayer.newBuilder()
                    .setName("admin")
                    .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance())
                    .build(),
                staticLayer("override", "{\"b\":3}")));

    loader.modify(java.util.Map.of("a", "10", "b", "20", "c", "true"));

    RuntimeSnapshot runtime = loader.snapshot();
    assertThat(runtime.get("a").orElseThrow().unsignedInteger()).hasValue(10);
    assertThat(runtime.get("b").orElseThrow().raw()).isEqualTo("3");
    assertThat(runtime.get("c").orElseThrow().bool()).hasValue(true);
    assertThat(runtime.adminLayerSize()).isEqualTo(3);

    loader.modify(java.util.Map.of("a", ""));
    assertThat(loader.snapshot().get("a").orElseThrow().raw()).isEqualTo("1");
    assertThat(loader.snapshot().adminLayerSize()).isEqualTo(2);
  }

  @Test
  void modifyingARuntimeWithoutAnAdminLayerIsRefused() throws Exception {
    RuntimeLoader loader = new RuntimeLoader(of(staticLayer("base", "{\"a\":1}")));
    assertThat(loader.hasAdminLayer()).isFalse();
    assertThatThrownBy(() -> loader.modify(java.util.Map.of("a", "2")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("No admin layer specified");
  }

  @Test
  void aLayeredRuntimeWithoutLayersGetsOneAdminLayerAsInEnvoy() throws Exception {
    RuntimeLoader loader = new RuntimeLoader(of());
    assertThat(loader.hasAdminLayer()).isTrue();
    loader.modify(java.util.Map.of("routing.canary", "100"));
    assertThat(loader.snapshot().integer("routing.canary", 0)).isEqualTo(100);
  }

  @Test
  void everyLoadIsCountedWithEnvoysNamesOncePublished() throws Exception {
    RuntimeLoader loader =
        new RuntimeLoader(
            of(
                staticLayer("base", "{\"a\":1}"),
                RuntimeLayer.newBuilder()
                    .setName("admin")
                    .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance())
                    .build()));
    StatsStore stats = new StatsStore();
    loader.publishTo(stats);
    assertThat(stats.counter("runtime.load_success").value()).isEqualTo(2);
    assertThat(stats.gauge("runtime.admin_overrides_active").value()).isZero();

    loader.modify(java.util.Map.of("b", "1", "c", "2"));
    assertThat(stats.counter("runtime.load_success").value()).isEqualTo(3);
    assertThat(stats.counter("runtime.override_dir_not_exists").value()).isEqualTo(3);
    assertThat(stats.gauge("runtime.num_layers").value()).isEqualTo(2);
    assertThat(stats.gauge("runtime.num_keys").value()).isEqualTo(3);
    assertThat(stats.gauge("runtime.admin_overrides_active").value())
        .as("a flag in Envoy, not a count")
        .isEqualTo(1);

    loader.modify(java.util.Map.of("b", "", "c", ""));
    assertThat(stats.gauge("runtime.admin_overrides_active").value()).isZero();
    assertThat(stats.gauge("runtime.num_keys").value()).isEqualTo(1);
  }
}
