package io.attache.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class BuildVersionTest {

  @Test
  void theVersionIsTheOneThePomDeclares() throws Exception {
    String pom = Files.readString(Path.of("pom.xml"));
    Matcher parentVersion =
        Pattern.compile("<parent>.*?<version>([^<]+)</version>", Pattern.DOTALL).matcher(pom);
    assertThat(parentVersion.find()).isTrue();

    assertThat(BuildVersion.get()).isEqualTo(parentVersion.group(1));
  }
}
