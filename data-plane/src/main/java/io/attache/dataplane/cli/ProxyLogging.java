package io.attache.dataplane.cli;

import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.config.ConfigException;
import io.attache.logging.LogFormat;
import io.attache.logging.LogLevel;
import io.attache.logging.LogSettings;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy's application logging from Envoy's flags and the bootstrap's {@code
 * application_log_config}: Envoy's component names for the proxy's packages, the levels, the
 * format, the file. Refuses what Envoy refuses (an unknown level or component, a format given both
 * ways).
 */
final class ProxyLogging {
  /** Envoy 1.40's components, as its {@code /logging} lists them: tools name these. */
  static final List<String> ENVOY_COMPONENTS =
      List.of(
          "a2a",
          "admin",
          "ai_protocol_manager",
          "alternate_protocols_cache",
          "aws",
          "assert",
          "backtrace",
          "basic_auth",
          "cache_filter",
          "client",
          "config",
          "connection",
          "conn_handler",
          "compression",
          "credential_injector",
          "decompression",
          "dns",
          "dubbo",
          "envoy_bug",
          "ext_authz",
          "ext_proc",
          "rocketmq",
          "file",
          "filter",
          "forward_proxy",
          "geolocation",
          "grpc",
          "happy_eyeballs",
          "hc",
          "health_checker",
          "http",
          "http2",
          "hystrix",
          "init",
          "io",
          "jwt",
          "json_rpc",
          "kafka",
          "key_value_store",
          "lua",
          "local_rate_limit",
          "main",
          "matcher",
          "mcp",
          "misc",
          "mongo",
          "multi_connection",
          "notification",
          "oauth2",
          "quic",
          "quic_stream",
          "pool",
          "rate_limit_quota",
          "rbac",
          "rds",
          "redis",
          "router",
          "runtime",
          "stats",
          "secret",
          "sse",
          "tap",
          "testing",
          "thrift",
          "tracing",
          "upstream",
          "udp",
          "wasm",
          "websocket",
          "golang",
          "stats_sinks",
          "dynamic_modules",
          "ip_tagging");

  /** Which Envoy component each package of the proxy logs as (longest prefix wins). */
  static final Map<String, String> COMPONENTS_BY_PACKAGE =
      Map.ofEntries(
          Map.entry("io.attache.dataplane.accesslog", "file"),
          Map.entry("io.attache.dataplane.admin", "admin"),
          Map.entry("io.attache.dataplane.breaker", "upstream"),
          Map.entry("io.attache.dataplane.cli", "main"),
          Map.entry("io.attache.dataplane.config", "config"),
          Map.entry("io.attache.dataplane.fault", "filter"),
          Map.entry("io.attache.dataplane.filter", "filter"),
          Map.entry("io.attache.dataplane.hash", "router"),
          Map.entry("io.attache.dataplane.healthcheck", "hc"),
          Map.entry("io.attache.dataplane.http", "http"),
          Map.entry("io.attache.dataplane.listener", "conn_handler"),
          Map.entry("io.attache.dataplane.matcher", "matcher"),
          Map.entry("io.attache.dataplane.outlier", "upstream"),
          Map.entry("io.attache.dataplane.pool", "pool"),
          Map.entry("io.attache.dataplane.proxy", "http"),
          Map.entry("io.attache.dataplane.rbac", "rbac"),
          Map.entry("io.attache.dataplane.retry", "router"),
          Map.entry("io.attache.dataplane.router", "router"),
          Map.entry("io.attache.dataplane.security", "connection"),
          Map.entry("io.attache.dataplane.server", "main"),
          Map.entry("io.attache.dataplane.stats", "stats"),
          Map.entry("io.attache.dataplane.tls", "connection"),
          Map.entry("io.attache.dataplane.tracing", "tracing"),
          Map.entry("io.attache.dataplane.transport", "connection"),
          Map.entry("io.attache.dataplane.upstream", "upstream"),
          Map.entry("io.attache.dataplane.upstream.dns", "dns"),
          Map.entry("io.attache.dataplane.xds", "config"),
          Map.entry("io.grpc", "grpc"));

  private ProxyLogging() {}

  /** The flags' settings; the bootstrap may still supply the format. */
  record Settings(LogSettings fromFlags, boolean formatFlagGiven) {
    /**
     * The final settings: the bootstrap's {@code application_log_config.log_format} applies when
     * {@code --log-format} was not given (Envoy refuses both).
     */
    LogSettings withBootstrap(Bootstrap bootstrap) throws ConfigException {
      if (!bootstrap.hasApplicationLogConfig()
          || !bootstrap.getApplicationLogConfig().hasLogFormat()) {
        return fromFlags;
      }
      String path = "application_log_config.log_format";
      if (formatFlagGiven) {
        throw new ConfigException(path, "cannot be set together with --log-format");
      }
      Bootstrap.ApplicationLogConfig.LogFormat format =
          bootstrap.getApplicationLogConfig().getLogFormat();
      LogFormat compiled =
          switch (format.getLogFormatCase()) {
            case JSON_FORMAT -> LogFormat.json(toMap(format.getJsonFormat()));
            case TEXT_FORMAT -> LogFormat.pattern(format.getTextFormat(), false);
            case LOGFORMAT_NOT_SET -> fromFlags.format();
          };
      return new LogSettings(
          fromFlags.level(),
          fromFlags.componentLevels(),
          compiled,
          fromFlags.path(),
          fromFlags.componentsByPackage(),
          fromFlags.knownComponents());
    }
  }

  static Settings fromFlags(ProxyMain flags) {
    LogLevel level =
        LogLevel.parse(flags.logLevel)
            .orElseThrow(
                () -> new IllegalArgumentException("unknown log level '" + flags.logLevel + "'"));
    Map<String, LogLevel> componentLevels = new LinkedHashMap<>();
    if (flags.componentLogLevel != null && !flags.componentLogLevel.isBlank()) {
      for (String item : flags.componentLogLevel.split(",")) {
        int colon = item.lastIndexOf(':');
        if (colon <= 0 || colon == item.length() - 1) {
          throw new IllegalArgumentException(
              "--component-log-level: '" + item + "' is not component:level");
        }
        String name = item.substring(0, colon);
        String value = item.substring(colon + 1);
        LogLevel componentLevel =
            LogLevel.parse(value)
                .orElseThrow(
                    () -> new IllegalArgumentException("unknown log level '" + value + "'"));
        boolean javaName = name.contains(".") || name.contains("*");
        if (!javaName && !ENVOY_COMPONENTS.contains(name)) {
          throw new IllegalArgumentException("unknown logger component '" + name + "'");
        }
        componentLevels.put(name, componentLevel);
      }
    }
    LogFormat format = LogFormat.pattern(formatFlag(flags), flags.logFormatEscaped);
    return new Settings(
        new LogSettings(
            level,
            componentLevels,
            format,
            Optional.ofNullable(flags.logPath),
            COMPONENTS_BY_PACKAGE,
            ENVOY_COMPONENTS),
        flags.logFormat != null);
  }

  static String formatFlag(ProxyMain flags) {
    return flags.logFormat == null ? LogFormat.ENVOY_DEFAULT : flags.logFormat;
  }

  private static Map<String, Object> toMap(Struct struct) {
    Map<String, Object> out = new LinkedHashMap<>();
    struct.getFieldsMap().forEach((k, v) -> out.put(k, toJava(v)));
    return out;
  }

  private static Object toJava(Value v) {
    return switch (v.getKindCase()) {
      case STRUCT_VALUE -> toMap(v.getStructValue());
      case STRING_VALUE -> v.getStringValue();
      case NUMBER_VALUE -> v.getNumberValue();
      case BOOL_VALUE -> v.getBoolValue();
      case LIST_VALUE ->
          v.getListValue().getValuesList().stream().map(ProxyLogging::toJava).toList();
      case NULL_VALUE, KIND_NOT_SET -> null;
    };
  }
}
