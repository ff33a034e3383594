package io.attache.controlplane.rest;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.Message;
import io.attache.controlplane.policy.PolicyRejection;
import io.attache.controlplane.store.ResourceKind;
import io.attache.controlplane.validate.EnvoyTypeRegistry;

/**
 * Coverage-guided fuzzing of the REST API's JSON decoding (docs/testing.md): any body for any
 * resource kind, decoded as {@code PUT} decodes it. A bad body must be a {@link PolicyRejection} (a
 * 400 with a JSON error), never another exception (a 500); a body that decodes must print and
 * decode back to the same resource, so what a client reads back is what was stored.
 */
class RestJsonFuzzTest {

  private static final JsonCodec CODEC = new JsonCodec(EnvoyTypeRegistry.get());

  @FuzzTest(maxDuration = "10s")
  void anyBodyDecodesToAResourceThatRoundTripsOrIsRejected(FuzzedDataProvider data) {
    ResourceKind kind = data.pickValue(ResourceKind.values());
    String body = data.consumeRemainingAsString();

    Message decoded;
    try {
      decoded = CODEC.parse(body, kind.prototype());
    } catch (PolicyRejection rejected) {
      assertThat(rejected.getMessage()).isNotNull();
      return;
    }
    String printed = CODEC.print(decoded);
    try {
      assertThat(CODEC.parse(printed, kind.prototype())).isEqualTo(decoded);
    } catch (PolicyRejection e) {
      throw new AssertionError("printed " + printed + " but could not read it back", e);
    }
  }
}
