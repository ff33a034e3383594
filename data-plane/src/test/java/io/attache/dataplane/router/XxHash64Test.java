package io.attache.dataplane.router;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class XxHash64Test {
  private static long hash(String s) {
    return XxHash64.hash(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void matchesTheReferenceImplementationAcrossAllInputLengthPaths() {
    // Reference values from the xxhash library (XXH64, seed 0).
    assertThat(hash("")).isEqualTo(0xef46db3751d8e999L);
    assertThat(hash("abc")).isEqualTo(0x44bc2cf5ad770999L);
    assertThat(hash("a".repeat(31))).isEqualTo(0xfe47067cda802916L);
    assertThat(hash("The quick brown fox jumps over the lazy dog, twice over."))
        .isEqualTo(0xfb9f56ced8ad4fc4L);
  }
}
