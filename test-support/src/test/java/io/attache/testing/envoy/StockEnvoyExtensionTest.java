package io.attache.testing.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

class StockEnvoyExtensionTest {

  private static final EnvoyLocator.Result NOTHING =
      new EnvoyLocator.Result(Optional.empty(), List.of("PATH: no envoy"));

  @Test
  void aMissingEnvoyFailsTheTestByDefault() {
    StockEnvoyExtension extension = new StockEnvoyExtension(Map.of(), () -> false);

    assertThatThrownBy(() -> extension.require(NOTHING, "someTest()"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("no stock Envoy found for someTest()")
        .hasMessageContaining("PATH: no envoy")
        .hasMessageContaining("-Dattache.envoy.skipIfMissing=true skips");
  }

  @Test
  void aDeveloperWhoOptsOutLocallyGetsASkipThatSaysWhy() {
    StockEnvoyExtension extension = new StockEnvoyExtension(Map.of(), () -> true);

    assertThatThrownBy(() -> extension.require(NOTHING, "someTest()"))
        .isInstanceOf(TestAbortedException.class)
        .hasMessageContaining("SKIPPED (-Dattache.envoy.skipIfMissing=true)")
        .hasMessageContaining("PATH: no envoy")
        .hasMessageContaining("NOT interop evidence");
  }

  @Test
  void underCiTheOptOutIsIgnoredAndAMissingEnvoyFails() {
    StockEnvoyExtension extension = new StockEnvoyExtension(Map.of("CI", "true"), () -> true);

    assertThatThrownBy(() -> extension.require(NOTHING, "someTest()"))
        .isInstanceOf(AssertionError.class)
        .hasMessageContaining("Under CI=true a missing Envoy is a failure");
  }

  @Test
  void aFoundEnvoyIsHandedOverWhateverTheFlags() {
    Envoy envoy = new ContainerEnvoy("envoyproxy/envoy:v1.40.0", "1.40.0");
    StockEnvoyExtension extension = new StockEnvoyExtension(Map.of("CI", "true"), () -> true);

    assertThat(
            extension.require(
                new EnvoyLocator.Result(Optional.of(envoy), List.of("found")), "someTest()"))
        .isSameAs(envoy);
  }
}
