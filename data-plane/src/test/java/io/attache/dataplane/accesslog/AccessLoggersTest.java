package io.attache.dataplane.accesslog;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLogFilter;
import io.envoyproxy.envoy.config.accesslog.v3.AndFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ComparisonFilter;
import io.envoyproxy.envoy.config.accesslog.v3.DurationFilter;
import io.envoyproxy.envoy.config.accesslog.v3.HeaderFilter;
import io.envoyproxy.envoy.config.accesslog.v3.NotHealthCheckFilter;
import io.envoyproxy.envoy.config.accesslog.v3.OrFilter;
import io.envoyproxy.envoy.config.accesslog.v3.ResponseFlagFilter;
import io.envoyproxy.envoy.config.accesslog.v3.StatusCodeFilter;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.RuntimeUInt32;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.config.core.v3.TypedExtensionConfig;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AccessLoggersTest {
  private static final String PATH =
      "static_resources.listeners[0].filter_chains[0].filters[0]" + ".typed_config.access_log";

  @TempDir Path dir;
  private final StatsStore stats = new StatsStore();

  private static AccessLog file(Path path, String textFormat) {
    return AccessLog.newBuilder()
        .setName("envoy.access_loggers.file")
        .setTypedConfig(
            Any.pack(
                FileAccessLog.newBuilder()
                    .setPath(path.toString())
                    .setLogFormat(
                        SubstitutionFormatString.newBuilder()
                            .setTextFormatSource(
                                DataSource.newBuilder().setInlineString(textFormat)))
                    .build()))
        .build();
  }

  private static AccessLogEntry entry(int code, long millis) {
    return AccessLogEntry.builder()
        .startTime(Instant.parse("2024-01-02T03:04:05.006Z"))
        .requestHeaders(HeaderLookup.of(Map.of(":method", "GET", ":path", "/p" + code)))
        .responseCode(code)
        .duration(Duration.ofMillis(millis))
        .build();
  }

  private static ComparisonFilter compare(ComparisonFilter.Op op, int value) {
    return ComparisonFilter.newBuilder()
        .setOp(op)
        .setValue(RuntimeUInt32.newBuilder().setDefaultValue(value).setRuntimeKey("unused"))
        .build();
  }

  private static String read(Path path) throws Exception {
    return Files.exists(path) ? Files.readString(path) : "";
  }

  @Test
  void fileLoggerAppendsFormattedLines() throws Exception {
    Path log = dir.resolve("access.log");
    Files.writeString(log, "earlier\n");
    try (AccessLoggers loggers =
        AccessLoggers.fromProtos(
            List.of(file(log, "%RESPONSE_CODE% %REQ(:PATH)%\n")), PATH, stats)) {
      loggers.log(entry(200, 1));
      loggers.log(entry(503, 2));
      await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> read(log).equals("earlier\n200 /p200\n503 /p503\n"));
    }
    assertThat(stats.counter("access_logs.file.write_buffered").value()).isEqualTo(2);
    assertThat(stats.counter("access_logs.file.write_completed").value()).isPositive();
    assertThat(stats.gauge("access_logs.file.write_total_buffered").value()).isZero();
  }

  @Test
  void fileLoggerWithoutFormatUsesEnvoysDefault() throws Exception {
    Path log = dir.resolve("default.log");
    AccessLog proto =
        AccessLog.newBuilder()
            .setTypedConfig(Any.pack(FileAccessLog.newBuilder().setPath(log.toString()).build()))
            .build();
    try (AccessLoggers loggers = AccessLoggers.fromProtos(List.of(proto), PATH, stats)) {
      loggers.log(entry(200, 7));
    }
    assertThat(read(log))
        .isEqualTo(
            "[2024-01-02T03:04:05.006Z] \"GET /p200 -\" 200 - 0 0 7 - \"-\" \"-\" \"-\" \"-\" \"-\"\n");
  }

  @Test
  void closeFlushesEverythingQueued() throws Exception {
    Path log = dir.resolve("flush.log");
    AccessLoggers loggers =
        AccessLoggers.fromProtos(List.of(file(log, "%RESPONSE_CODE%\n")), PATH, stats);
    for (int i = 0; i < 100; i++) {
      loggers.log(entry(200, 0));
    }
    loggers.close();
    assertThat(Files.readAllLines(log)).hasSize(100);
  }

  @Test
  void jsonLogFormatWritesOneObjectPerLine() throws Exception {
    Path log = dir.resolve("json.log");
    AccessLog proto =
        AccessLog.newBuilder()
            .setTypedConfig(
                Any.pack(
                    FileAccessLog.newBuilder()
                        .setPath(log.toString())
                        .setLogFormat(
                            SubstitutionFormatString.newBuilder()
                                .setJsonFormat(
                                    Struct.newBuilder()
                                        .putFields(
                                            "code",
                                            Value.newBuilder()
                                                .setStringValue("%RESPONSE_CODE%")
                                                .build())
                                        .putFields(
                                            "host",
                                            Value.newBuilder()
                                                .setStringValue("%UPSTREAM_HOST%")
                                                .build()))
                                .setOmitEmptyValues(true))
                        .build()))
            .build();
    try (AccessLoggers loggers = AccessLoggers.fromProtos(List.of(proto), PATH, stats)) {
      loggers.log(entry(404, 0));
    }
    assertThat(read(log)).isEqualTo("{\"code\":404}\n");
  }

  @Test
  void filtersDecideWhichEntriesAreLogged() throws Exception {
    Path log = dir.resolve("filtered.log");
    AccessLogFilter serverErrors =
        AccessLogFilter.newBuilder()
            .setStatusCodeFilter(
                StatusCodeFilter.newBuilder().setComparison(compare(ComparisonFilter.Op.GE, 500)))
            .build();
    AccessLogFilter slow =
        AccessLogFilter.newBuilder()
            .setDurationFilter(
                DurationFilter.newBuilder().setComparison(compare(ComparisonFilter.Op.GE, 1000)))
            .build();
    AccessLogFilter notHealthCheck =
        AccessLogFilter.newBuilder()
            .setNotHealthCheckFilter(NotHealthCheckFilter.getDefaultInstance())
            .build();
    AccessLogFilter filter =
        AccessLogFilter.newBuilder()
            .setAndFilter(
                AndFilter.newBuilder()
                    .addFilters(notHealthCheck)
                    .addFilters(
                        AccessLogFilter.newBuilder()
                            .setOrFilter(
                                OrFilter.newBuilder().addFilters(serverErrors).addFilters(slow))))
            .build();
    AccessLog proto =
        file(log, "%RESPONSE_CODE% %DURATION%\n").toBuilder().setFilter(filter).build();
    try (AccessLoggers loggers = AccessLoggers.fromProtos(List.of(proto), PATH, stats)) {
      loggers.log(entry(200, 5));
      loggers.log(entry(503, 5));
      loggers.log(entry(200, 1500));
      loggers.log(
          AccessLogEntry.builder()
              .responseCode(502)
              .duration(Duration.ofMillis(5))
              .healthCheck(true)
              .build());
    }
    assertThat(read(log)).isEqualTo("503 5\n200 1500\n");
  }

  @Test
  void responseFlagFilterMatchesListedFlagsOrAnyFlag() throws Exception {
    LogFilter listed =
        LogFilter.parse(
            AccessLogFilter.newBuilder()
                .setResponseFlagFilter(
                    ResponseFlagFilter.newBuilder().addFlags("UO").addFlags("UH"))
                .build(),
            "f");
    LogFilter any =
        LogFilter.parse(
            AccessLogFilter.newBuilder()
                .setResponseFlagFilter(ResponseFlagFilter.getDefaultInstance())
                .build(),
            "f");
    AccessLogEntry overflow =
        AccessLogEntry.builder()
            .responseFlags(ResponseFlags.of(ResponseFlag.UPSTREAM_OVERFLOW))
            .build();
    AccessLogEntry timeout =
        AccessLogEntry.builder()
            .responseFlags(ResponseFlags.of(ResponseFlag.UPSTREAM_REQUEST_TIMEOUT))
            .build();
    AccessLogEntry clean = AccessLogEntry.builder().build();
    assertThat(listed.evaluate(overflow)).isEqualTo(LogFilter.Decision.LOG);
    assertThat(listed.evaluate(timeout)).isEqualTo(LogFilter.Decision.SKIP);
    assertThat(any.evaluate(timeout)).isEqualTo(LogFilter.Decision.LOG);
    assertThat(any.evaluate(clean)).isEqualTo(LogFilter.Decision.SKIP);
  }

  @Test
  void statusCodeFilterComparesWithEqualLessOrGreater() throws Exception {
    AccessLogEntry notFound = entry(404, 0);
    for (var c :
        List.of(
            Map.entry(compare(ComparisonFilter.Op.EQ, 404), LogFilter.Decision.LOG),
            Map.entry(compare(ComparisonFilter.Op.EQ, 400), LogFilter.Decision.SKIP),
            Map.entry(compare(ComparisonFilter.Op.LE, 404), LogFilter.Decision.LOG),
            Map.entry(compare(ComparisonFilter.Op.LE, 399), LogFilter.Decision.SKIP),
            Map.entry(compare(ComparisonFilter.Op.GE, 405), LogFilter.Decision.SKIP))) {
      LogFilter filter =
          LogFilter.parse(
              AccessLogFilter.newBuilder()
                  .setStatusCodeFilter(StatusCodeFilter.newBuilder().setComparison(c.getKey()))
                  .build(),
              "f");
      assertThat(filter.evaluate(notFound)).as(c.getKey().toString()).isEqualTo(c.getValue());
    }
  }

  @Test
  void stdoutLoggerParsesWithItsFormat() throws Exception {
    AccessLog proto =
        AccessLog.newBuilder()
            .setTypedConfig(
                Any.pack(
                    StdoutAccessLog.newBuilder()
                        .setLogFormat(
                            SubstitutionFormatString.newBuilder()
                                .setTextFormatSource(
                                    DataSource.newBuilder().setInlineString("%PROTOCOL%\n")))
                        .build()))
            .build();
    try (AccessLoggers loggers = AccessLoggers.fromProtos(List.of(proto), PATH, stats)) {
      assertThat(loggers.isEmpty()).isFalse();
    }
  }

  @Test
  void rejectsABadFormatNamingItsFieldPath() {
    assertThatThrownBy(
            () -> AccessLoggers.fromProtos(List.of(file(dir.resolve("x"), "%BOGUS%")), PATH, stats))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            PATH
                + "[0].typed_config.log_format.text_format_source: "
                + "Not supported field in StreamInfo: BOGUS");
    assertThat(dir.resolve("x")).doesNotExist();
  }

  @Test
  void rejectsUnsupportedFiltersLoggersAndFormatters() {
    AccessLog headerFiltered =
        file(dir.resolve("h"), "x").toBuilder()
            .setFilter(
                AccessLogFilter.newBuilder().setHeaderFilter(HeaderFilter.getDefaultInstance()))
            .build();
    assertThatThrownBy(() -> AccessLoggers.fromProtos(List.of(headerFiltered), PATH, stats))
        .hasMessageStartingWith(PATH + "[0].filter.header_filter: ");

    AccessLog grpc =
        AccessLog.newBuilder().setTypedConfig(Any.pack(Struct.getDefaultInstance())).build();
    assertThatThrownBy(() -> AccessLoggers.fromProtos(List.of(grpc), PATH, stats))
        .hasMessageStartingWith(PATH + "[0].typed_config: unsupported access logger type");

    AccessLog formatters =
        AccessLog.newBuilder()
            .setTypedConfig(
                Any.pack(
                    FileAccessLog.newBuilder()
                        .setPath("/dev/null")
                        .setLogFormat(
                            SubstitutionFormatString.newBuilder()
                                .setTextFormatSource(DataSource.newBuilder().setInlineString("x"))
                                .addFormatters(TypedExtensionConfig.getDefaultInstance()))
                        .build()))
            .build();
    assertThatThrownBy(() -> AccessLoggers.fromProtos(List.of(formatters), PATH, stats))
        .hasMessageStartingWith(PATH + "[0].typed_config.log_format.formatters: ");
  }

  @Test
  void rejectsAFileThatCannotBeOpened() {
    AccessLog proto = file(dir.resolve("no/such/dir/a.log"), "x");
    assertThatThrownBy(() -> AccessLoggers.fromProtos(List.of(proto), PATH, stats))
        .hasMessageStartingWith(PATH + "[0].typed_config.path: cannot open access log file");
  }
}
