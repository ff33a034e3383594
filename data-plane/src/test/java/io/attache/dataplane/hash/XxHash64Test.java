package io.attache.dataplane.hash;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class XxHash64Test {
  // Expected values computed with the reference xxhsum (xxHash64, seed 0).
  @ParameterizedTest(name = "xxh64(\"{0}\") = {1}")
  @CsvSource({
    "'', ef46db3751d8e999",
    "abc, 44bc2cf5ad770999",
    "Nobody inspects the spammish repetition, fbcea83c8a378bf1",
    "10.0.0.1:80_0, 75041381e7371a08",
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx, 92f0de5a88a3c094"
  })
  void matchesTheReferenceImplementation(String input, String expectedHex) {
    long hash = XxHash64.hash(input.getBytes(StandardCharsets.US_ASCII));

    assertThat(Long.toHexString(hash)).isEqualTo(expectedHex);
  }

  private static long latin1(String s) {
    return XxHash64.hash(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void matchesTheReferenceImplementationAcrossAllInputLengthPaths() {
    // Reference values from the xxhash library (XXH64, seed 0).
    assertThat(latin1("")).isEqualTo(0xef46db3751d8e999L);
    assertThat(latin1("abc")).isEqualTo(0x44bc2cf5ad770999L);
    assertThat(latin1("a".repeat(31))).isEqualTo(0xfe47067cda802916L);
    assertThat(latin1("The quick brown fox jumps over the lazy dog, twice over."))
        .isEqualTo(0xfb9f56ced8ad4fc4L);
  }
}
