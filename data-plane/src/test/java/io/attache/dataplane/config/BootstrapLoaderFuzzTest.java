package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;

/**
 * Coverage-guided fuzzing of the bootstrap loader (docs/testing.md): any text as YAML or JSON. An
 * operator's mistake must come back as a {@link ConfigException} naming what is wrong, never as
 * another exception or a hang; whatever loads must load the same way twice.
 */
class BootstrapLoaderFuzzTest {

  @FuzzTest(maxDuration = "10s")
  void anyTextLoadsOrIsRefusedWithAConfigException(FuzzedDataProvider data) {
    boolean json = data.consumeBoolean();
    String text = data.consumeRemainingAsString();

    Bootstrap loaded;
    try {
      loaded = BootstrapLoader.parse(text, json);
    } catch (ConfigException refused) {
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(loaded).isNotNull();
    try {
      assertThat(BootstrapLoader.parse(text, json)).isEqualTo(loaded);
    } catch (ConfigException e) {
      throw new AssertionError("loaded once, refused the second time", e);
    }
  }
}
