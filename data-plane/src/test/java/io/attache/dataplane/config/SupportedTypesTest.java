package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Descriptors.Descriptor;
import java.util.List;
import org.junit.jupiter.api.Test;

class SupportedTypesTest {
  private static final String PREFIX = "type.googleapis.com/";

  @Test
  void everyListedNameLoadsTheDescriptorOfThatName() {
    for (String name : SupportedTypes.names()) {
      Descriptor d = SupportedTypes.find(PREFIX + name);
      assertThat(d).as(name).isNotNull();
      assertThat(d.getFullName()).isEqualTo(name);
    }
  }

  @Test
  void stillResolvesMessagesOfTheListedTypesFilesAndTheirImports() {
    assertThat(SupportedTypes.find(PREFIX + "envoy.config.core.v3.Address").getFullName())
        .isEqualTo("envoy.config.core.v3.Address");
    assertThat(SupportedTypes.find(PREFIX + "google.protobuf.Duration").getFullName())
        .isEqualTo("google.protobuf.Duration");
  }

  @Test
  void answersNullForUnknownTypesAndForStringsThatAreNoTypeUrl() {
    assertThat(SupportedTypes.find(PREFIX + "envoy.extensions.filters.http.lua.v3.Lua")).isNull();
    assertThat(SupportedTypes.find("envoy.extensions.filters.http.router.v3.Router")).isNull();
  }

  @Test
  void aRegistryOfSomeTypesHoldsThoseAndTheirFilesOnly() throws Exception {
    Descriptor router =
        SupportedTypes.find(PREFIX + "envoy.extensions.filters.http.router.v3.Router");
    var registry = SupportedTypes.registryOf(List.of(router));

    assertThat(registry.getDescriptorForTypeUrl(PREFIX + router.getFullName())).isSameAs(router);
    assertThat(registry.find("envoy.extensions.filters.http.fault.v3.HTTPFault")).isNull();
  }
}
