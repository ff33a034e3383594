package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DocSectionTest {
  @Test
  void appendsTheSectionOnceAndThenReplacesOnlyItsInside() {
    String doc = "# Benchmarks\n\n## Control plane\n\nkept\n";

    String first = DocSection.replace(doc, "proxy-bench", "run 1");
    String second = DocSection.replace(first + "\n## After\n", "proxy-bench", "run 2");

    assertThat(first).startsWith(doc).contains("run 1");
    assertThat(second)
        .contains("## Control plane\n\nkept\n")
        .contains("run 2")
        .doesNotContain("run 1")
        .endsWith("## After\n");
  }

  @Test
  void refusesADocumentWithOnlyOneMarker() {
    String broken = "x\n" + DocSection.begin("proxy-bench") + "\n";

    assertThatThrownBy(() -> DocSection.replace(broken, "proxy-bench", "y"))
        .hasMessageContaining("only one of the markers");
  }
}
