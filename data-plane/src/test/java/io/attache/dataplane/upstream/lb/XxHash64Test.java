package io.attache.dataplane.upstream.lb;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
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
}
