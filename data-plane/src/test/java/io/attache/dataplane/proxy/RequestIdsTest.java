package io.attache.dataplane.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.time.RandomSource;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
  @Test
  void isAVersion4Rfc4122UuidInLowerCaseHex() {
    RandomSource random = RandomSource.seeded(7);
    for (int i = 0; i < 1_000; i++) {
      String id = RequestIds.uuid4(random);
      assertThat(id).matches("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
      UUID parsed = UUID.fromString(id);
      assertThat(parsed.version()).isEqualTo(4);
      assertThat(parsed.variant()).isEqualTo(2);
      assertThat(parsed.toString()).isEqualTo(id);
    }
  }

  @Test
  void carriesTheRandomSourcesBitsSoASeededSourceRepeatsItsIds() {
    RandomSource a = RandomSource.seeded(42);
    RandomSource b = RandomSource.seeded(42);
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < 1_000; i++) {
      String id = RequestIds.uuid4(a);
      assertThat(RequestIds.uuid4(b)).isEqualTo(id);
      seen.add(id);
    }
    assertThat(seen).hasSize(1_000);
  }
}
