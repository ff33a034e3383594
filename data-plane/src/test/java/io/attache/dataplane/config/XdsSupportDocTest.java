package io.attache.dataplane.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class XdsSupportDocTest {
  private static final Path DOC = Path.of("..", "docs", "xds-support.md");

  @Test
  void committedSupportMatrixMatchesTheCode() throws Exception {
    String rendered = XdsSupportDoc.render(SupportMatrix.get());
    if (Boolean.getBoolean("attache.regenerateDocs")) {
      Files.writeString(DOC, rendered);
    }
    assertThat(DOC).exists();
    assertThat(Files.readString(DOC))
        .as("docs/xds-support.md is stale; regenerate it (command at the top of the file)")
        .isEqualTo(rendered);
  }
}
