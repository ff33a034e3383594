package io.attache.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;

class LoggerRegistryTest {
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private final LoggerRegistry registry =
      new LoggerRegistry(
          new PrintStream(err, true, StandardCharsets.UTF_8),
          Clock.fixed(Instant.parse("2026-01-02T03:04:05.006Z"), ZoneOffset.UTC));

  private static final Map<String, String> ENVOY_COMPONENTS =
      Map.of(
          "io.attache.dataplane.upstream", "upstream",
          "io.attache.dataplane.xds", "config",
          "io.grpc", "grpc");

  private LogSettings settings(LogLevel level, Map<String, LogLevel> componentLevels) {
    return new LogSettings(
        level,
        componentLevels,
        LogFormat.pattern("%l %n %v", false, ZoneOffset.UTC),
        Optional.empty(),
        ENVOY_COMPONENTS,
        List.of("upstream", "config", "grpc", "admin"));
  }

  private String output() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void loggersBelongToEnvoyComponentsAndFollowTheirLevels() throws Exception {
    registry.configure(settings(LogLevel.INFO, Map.of("upstream", LogLevel.DEBUG)));
    Logger upstream = registry.getLogger("io.attache.dataplane.upstream.dns.JdkDnsResolver");
    Logger xds = registry.getLogger("io.attache.dataplane.xds.AdsClient");
    Logger rest = registry.getLogger("io.attache.controlplane.rest.AdminApi");
    Logger netty = registry.getLogger("io.netty.channel.Foo");

    upstream.debug("resolved {} to {}", "backend", "10.0.0.1");
    xds.debug("hidden at info");
    xds.info("stream up");
    rest.warn("unmapped Attaché loggers use their package");
    netty.info("third parties are misc");

    assertThat(output())
        .isEqualTo(
            "debug upstream resolved backend to 10.0.0.1\n"
                + "info config stream up\n"
                + "warning rest unmapped Attaché loggers use their package\n"
                + "info misc third parties are misc\n");
  }

  @Test
  void levelsChangeAtRuntimeByComponentByLoggerAndAllAtOnce() throws Exception {
    registry.configure(settings(LogLevel.INFO, Map.of()));
    Logger ads = registry.getLogger("io.attache.dataplane.xds.AdsClient");
    Logger parsers = registry.getLogger("io.attache.dataplane.xds.ResourceParsers");

    assertThat(registry.setLevel("config", LogLevel.ERROR)).isTrue();
    assertThat(ads.isWarnEnabled()).isFalse();
    assertThat(registry.setLevel("io.attache.dataplane.xds.Ads*", LogLevel.TRACE)).isTrue();
    assertThat(ads.isTraceEnabled()).isTrue();
    assertThat(parsers.isWarnEnabled()).isFalse();
    assertThat(registry.setLevel("nosuch", LogLevel.DEBUG)).isFalse();

    registry.setAll(LogLevel.CRITICAL);

    assertThat(ads.isErrorEnabled()).isFalse();
    assertThat(registry.components()).containsEntry("config", LogLevel.CRITICAL);
    assertThat(registry.components()).containsEntry("admin", LogLevel.CRITICAL);
    assertThat(registry.loggerOverrides()).isEmpty();
  }

  @Test
  void aThrowableFollowsItsMessage() throws Exception {
    registry.configure(settings(LogLevel.INFO, Map.of()));
    registry
        .getLogger("io.attache.dataplane.upstream.X")
        .error("connect failed", new IllegalStateException("refused"));
    assertThat(output())
        .startsWith(
            "error upstream connect failed\njava.lang.IllegalStateException: refused\n\tat ");
  }

  @Test
  void aLogFileIsAppendedToAndReopenedAfterRotation(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("attache.log");
    registry.configure(
        new LogSettings(
            LogLevel.INFO,
            Map.of(),
            LogFormat.pattern("%v", false),
            Optional.of(file),
            Map.of(),
            List.of()));
    Logger logger = registry.getLogger("io.attache.dataplane.server.ProxyServer");
    logger.info("before rotation");
    Files.move(file, dir.resolve("attache.log.1"));
    registry.reopen();
    logger.info("after rotation");

    assertThat(Files.readString(dir.resolve("attache.log.1"))).isEqualTo("before rotation\n");
    assertThat(Files.readString(file)).isEqualTo("after rotation\n");
    assertThat(output()).isEmpty();
  }

  @Test
  void javaUtilLoggingRecordsTakeTheSameFormatAndLevels() throws Exception {
    registry.configure(settings(LogLevel.INFO, Map.of("grpc", LogLevel.WARNING)));
    JulBridge.install(registry);
    try {
      java.util.logging.Logger grpc = java.util.logging.Logger.getLogger("io.grpc.internal.X");
      grpc.info("hidden: grpc is at warning");
      grpc.log(java.util.logging.Level.WARNING, "channel {0} broke", "ads");
      assertThat(output()).isEqualTo("warning grpc channel ads broke\n");
    } finally {
      java.util.logging.LogManager.getLogManager().readConfiguration();
    }
  }
}
