package io.attache.logging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class LogFormatTest {
  private static final Instant TIME = Instant.parse("2026-12-06T09:45:29.333456789Z");
  private static final StackTraceElement CALLER =
      new StackTraceElement(
          "io.attache.dataplane.server.ProxyServer", "start", "ProxyServer.java", 463);

  private static LogRecord record(String message) {
    return new LogRecord(
        TIME,
        "attache-worker-1",
        LogLevel.INFO,
        "main",
        "io.attache.dataplane.server.ProxyServer",
        message,
        CALLER);
  }

  private static String render(String pattern, boolean escaped, String message) {
    return LogFormat.pattern(pattern, escaped, ZoneOffset.UTC).render(record(message));
  }

  @Test
  void envoysDefaultFormatHasTheTimestampThreadLevelComponentAndSource() {
    assertThat(render(LogFormat.ENVOY_DEFAULT, false, "initializing epoch 0"))
        .isEqualTo(
            "[2026-12-06 09:45:29.333][attache-worker-1][info][main]"
                + " [io/attache/dataplane/server/ProxyServer.java:463] initializing epoch 0");
  }

  @Test
  void rendersSpdlogTimeLevelAndPaddingFlags() {
    assertThat(render("%D %R:%S.%f %F %z %E %L %p %I", false, "x"))
        .isEqualTo("12/06/26 09:45:29.333456 333456789 +00:00 1796550329 I AM 09");
    assertThat(render("[%-8l][%8n][%=6L]|%3!v|", false, "message"))
        .isEqualTo("[info    ][    main][  I   ]|mes|");
    assertThat(render("%s:%# %! %@ %% %Q", false, "x"))
        .isEqualTo("ProxyServer.java:463 start ProxyServer.java:463 % %Q");
  }

  @Test
  void jAndEscapedMessagesStayOnOneLine() {
    String message = "line one\nline \"two\"\t\\";
    assertThat(render("{\"msg\":\"%j\"}", false, message))
        .isEqualTo("{\"msg\":\"line one\\nline \\\"two\\\"\\t\\\\\"}");
    assertThat(render("%v", true, message)).isEqualTo("line one\\nline \"two\"\\t\\\\");
    assertThat(render("%_", false, "a\nb")).isEqualTo("a\\nb");
    assertThat(render("%v", false, "a\nb")).isEqualTo("a\nb");
  }

  @Test
  void jsonFormatEscapesEveryValueAndKeepsNonStrings() {
    Map<String, Object> struct = new LinkedHashMap<>();
    struct.put("time", "%Y-%m-%dT%T.%eZ");
    struct.put("level", "%l");
    struct.put("message", "%v");
    Map<String, Object> source = new LinkedHashMap<>();
    source.put("file", "%s");
    source.put("line", "%#");
    struct.put("source", source);
    struct.put("version", 2.0);
    struct.put("flag", true);
    LogFormat format = LogFormat.json(struct);

    String line = format.render(record("said \"hi\"\nthen left"));

    assertThat(line)
        .isEqualTo(
            "{\"time\":\"2026-12-06T09:45:29.333Z\",\"level\":\"info\","
                + "\"message\":\"said \\\"hi\\\"\\nthen left\","
                + "\"source\":{\"file\":\"ProxyServer.java\",\"line\":\"463\"},"
                + "\"version\":2,\"flag\":true}");
    assertThat(format.needsCaller()).isTrue();
    assertThat(LogFormat.pattern("%v", false).needsCaller()).isFalse();
  }
}
