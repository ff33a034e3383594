package io.attache.dataplane.accesslog;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.config.accesslog.v3.AccessLog;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.SubstitutionFormatString;
import io.envoyproxy.envoy.extensions.access_loggers.file.v3.FileAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StderrAccessLog;
import io.envoyproxy.envoy.extensions.access_loggers.stream.v3.StdoutAccessLog;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The access logs of one HCM (or of the admin endpoint), built once from Envoy's {@code repeated
 * AccessLog}: file, stdout and stderr loggers, each with its format and filter. {@link #log} runs
 * on the event loop at stream end and never blocks: lines go to bounded async writers.
 */
public final class AccessLoggers implements AutoCloseable {
  /** No access logs. */
  public static final AccessLoggers NONE = new AccessLoggers(List.of(), () -> {});

  private static final String FILE_TYPE =
      "type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog";
  private static final String STDOUT_TYPE =
      "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StdoutAccessLog";
  private static final String STDERR_TYPE =
      "type.googleapis.com/envoy.extensions.access_loggers.stream.v3.StderrAccessLog";

  private record Logger(LogFilter filter, LineFormat format, AsyncLineWriter writer) {}

  private final List<Logger> loggers;
  private final Runnable onClose;

  private AccessLoggers(List<Logger> loggers, Runnable onClose) {
    this.loggers = List.copyOf(loggers);
    this.onClose = onClose;
  }

  /**
   * Loggers that own their outputs: {@link #close()} flushes and closes them. Errors name {@code
   * fieldPath[i]...}, e.g. {@code ...http_connection_manager.access_log[0].typed_config.path}.
   */
  public static AccessLoggers fromProtos(List<AccessLog> protos, String fieldPath, StatsStore stats)
      throws ConfigException {
    AccessLogFiles files = new AccessLogFiles(stats);
    try {
      List<Logger> loggers = build(protos, fieldPath, files);
      return new AccessLoggers(loggers, files::close);
    } catch (ConfigException e) {
      files.close();
      throw e;
    }
  }

  /** Loggers writing through the proxy-wide {@code files}, which outlive them. */
  public static AccessLoggers fromProtos(
      List<AccessLog> protos, String fieldPath, AccessLogFiles files) throws ConfigException {
    return new AccessLoggers(build(protos, fieldPath, files), () -> {});
  }

  private static List<Logger> build(List<AccessLog> protos, String fieldPath, AccessLogFiles files)
      throws ConfigException {
    // Parse everything before opening anything, so a bad entry opens no file.
    List<Parsed> parsed = new ArrayList<>();
    for (int i = 0; i < protos.size(); i++) {
      parsed.add(parse(protos.get(i), fieldPath + "[" + i + "]"));
    }
    List<Logger> loggers = new ArrayList<>();
    for (Parsed p : parsed) {
      loggers.add(new Logger(p.filter(), p.format(), files.open(p.path(), p.pathField())));
    }
    return loggers;
  }

  private record Parsed(LogFilter filter, LineFormat format, String path, String pathField) {}

  private static Parsed parse(AccessLog proto, String path) throws ConfigException {
    LogFilter filter =
        proto.hasFilter() ? LogFilter.parse(proto.getFilter(), path + ".filter") : LogFilter.ALWAYS;
    if (!proto.hasTypedConfig()) {
      throw new ConfigException(path + ".typed_config", "an access logger config is required");
    }
    Any any = proto.getTypedConfig();
    String configPath = path + ".typed_config";
    try {
      switch (any.getTypeUrl()) {
        case FILE_TYPE -> {
          FileAccessLog file = any.unpack(FileAccessLog.class);
          if (file.getPath().isEmpty()) {
            throw new ConfigException(configPath + ".path", "must not be empty");
          }
          return new Parsed(
              filter, fileFormat(file, configPath), file.getPath(), configPath + ".path");
        }
        case STDOUT_TYPE -> {
          StdoutAccessLog stdout = any.unpack(StdoutAccessLog.class);
          LineFormat format =
              stdout.hasLogFormat()
                  ? substitutionFormat(stdout.getLogFormat(), configPath + ".log_format")
                  : AccessLogFormatter.defaultFormat();
          return new Parsed(filter, format, "/dev/stdout", configPath);
        }
        case STDERR_TYPE -> {
          StderrAccessLog stderr = any.unpack(StderrAccessLog.class);
          LineFormat format =
              stderr.hasLogFormat()
                  ? substitutionFormat(stderr.getLogFormat(), configPath + ".log_format")
                  : AccessLogFormatter.defaultFormat();
          return new Parsed(filter, format, "/dev/stderr", configPath);
        }
        default ->
            throw new ConfigException(
                configPath, "unsupported access logger type '" + any.getTypeUrl() + "'");
      }
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(configPath, "cannot decode: " + e.getMessage(), e);
    }
  }

  private static LineFormat fileFormat(FileAccessLog file, String path) throws ConfigException {
    return switch (file.getAccessLogFormatCase()) {
      case FORMAT ->
          file.getFormat().isEmpty()
              ? AccessLogFormatter.defaultFormat()
              : AccessLogFormatter.parse(file.getFormat(), path + ".format", false);
      case JSON_FORMAT ->
          JsonAccessLogFormatter.parse(
              file.getJsonFormat(), path + ".json_format", false, false, false);
      case TYPED_JSON_FORMAT ->
          JsonAccessLogFormatter.parse(
              file.getTypedJsonFormat(), path + ".typed_json_format", true, false, false);
      case LOG_FORMAT -> substitutionFormat(file.getLogFormat(), path + ".log_format");
      case ACCESSLOGFORMAT_NOT_SET -> AccessLogFormatter.defaultFormat();
    };
  }

  static LineFormat substitutionFormat(SubstitutionFormatString proto, String path)
      throws ConfigException {
    if (proto.getFormattersCount() > 0) {
      throw new ConfigException(path + ".formatters", "formatter extensions are not supported");
    }
    boolean omit = proto.getOmitEmptyValues();
    return switch (proto.getFormatCase()) {
      case TEXT_FORMAT ->
          AccessLogFormatter.parse(proto.getTextFormat(), path + ".text_format", omit);
      case TEXT_FORMAT_SOURCE ->
          AccessLogFormatter.parse(
              dataSource(proto.getTextFormatSource(), path + ".text_format_source"),
              path + ".text_format_source",
              omit);
      case JSON_FORMAT ->
          JsonAccessLogFormatter.parse(
              proto.getJsonFormat(),
              path + ".json_format",
              true,
              omit,
              proto.getJsonFormatOptions().getSortProperties());
      case FORMAT_NOT_SET ->
          throw new ConfigException(path, "one of text_format_source or json_format is required");
    };
  }

  private static String dataSource(DataSource source, String path) throws ConfigException {
    return switch (source.getSpecifierCase()) {
      case INLINE_STRING -> source.getInlineString();
      case INLINE_BYTES -> source.getInlineBytes().toString(StandardCharsets.UTF_8);
      case FILENAME -> {
        try {
          yield Files.readString(Path.of(source.getFilename()));
        } catch (IOException e) {
          throw new ConfigException(path + ".filename", "cannot read: " + e.getMessage());
        }
      }
      case ENVIRONMENT_VARIABLE -> {
        String value = System.getenv(source.getEnvironmentVariable());
        if (value == null) {
          throw new ConfigException(
              path + ".environment_variable",
              "environment variable '" + source.getEnvironmentVariable() + "' is not set");
        }
        yield value;
      }
      case SPECIFIER_NOT_SET -> throw new ConfigException(path, "a data source is required");
    };
  }

  /** Writes one line to every logger whose filter accepts the entry. Never blocks. */
  public void log(AccessLogEntry entry) {
    for (Logger logger : loggers) {
      if (logger.filter().evaluate(entry) == LogFilter.Decision.LOG) {
        logger.writer().write(logger.format().format(entry));
      }
    }
  }

  public boolean isEmpty() {
    return loggers.isEmpty();
  }

  /** Flushes and closes the outputs these loggers own. Call off the event loop. */
  @Override
  public void close() {
    onClose.run();
  }
}
