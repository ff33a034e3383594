package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class JvmCommandTest {

  @Test
  void flagsAloneRunOnTheHarnessesOwnJava() {
    JvmCommand c = JvmCommand.of(" -XX:+UseSerialGC   -Xmx96m ", "/opt/jdk17/bin/java");

    assertThat(c.command()).containsExactly("/opt/jdk17/bin/java", "-XX:+UseSerialGC", "-Xmx96m");
  }

  @Test
  void aFirstWordNamingAJavaBinaryRunsTheContestantOnThatJdk() {
    JvmCommand c =
        JvmCommand.of(
            "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java -XX:+UseCompactObjectHeaders",
            "/opt/jdk17/bin/java");

    assertThat(c.java()).isEqualTo("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java");
    assertThat(c.flags()).containsExactly("-XX:+UseCompactObjectHeaders");
  }

  @Test
  void anEmptyValueIsTheJvmsDefaults() {
    assertThat(JvmCommand.of("", "java").command()).isEqualTo(List.of("java"));
  }

  @Test
  void aJarAmongTheWordsRunsThatBuildOfTheProxyAndIsNotAFlag() {
    JvmCommand c =
        JvmCommand.of(
            "/usr/lib/jvm/temurin-25-jdk-amd64/bin/java -Xmx96m -jar /tmp/old/attache-proxy.jar"
                + " -Xss256k",
            "/opt/jdk17/bin/java");

    assertThat(c.jar()).contains("/tmp/old/attache-proxy.jar");
    assertThat(c.command())
        .containsExactly("/usr/lib/jvm/temurin-25-jdk-amd64/bin/java", "-Xmx96m", "-Xss256k");
  }

  @Test
  void withoutAJarTheHarnessesJarRuns() {
    assertThat(JvmCommand.of("-Xmx96m", "java").jar()).isEmpty();
  }

  @Test
  void aJarWithoutAPathIsRefused() {
    assertThatThrownBy(() -> JvmCommand.of("-Xmx96m -jar", "java"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-jar without a path");
  }
}
