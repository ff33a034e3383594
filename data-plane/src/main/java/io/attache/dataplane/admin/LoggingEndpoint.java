package io.attache.dataplane.admin;

import io.attache.logging.ApplicationLogs;
import io.attache.logging.LogLevel;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Envoy's {@code /logging}: lists every component's level and changes levels at runtime ({@code
 * ?level=}, {@code ?<component>=}, {@code ?paths=a:l1,b:l2}), answering 400 with Envoy's usage text
 * on a bad request and changing nothing then. A Java logger name or {@code prefix*} pattern may
 * stand for a component, as with {@code --component-log-level}. Never reads or writes anything but
 * the application logs' levels.
 */
final class LoggingEndpoint {
  private static final Logger log = LoggerFactory.getLogger(LoggingEndpoint.class);

  private LoggingEndpoint() {}

  static AdminResponse handle(Map<String, List<String>> params) {
    StringBuilder out = new StringBuilder();
    int status = 200;
    if (!params.isEmpty()) {
      Optional<String> error = change(params);
      if (error.isPresent()) {
        status = 400;
        out.append("error: ").append(error.get()).append("\n\n");
        out.append("usage: /logging?<name>=<level> (change single level)\n");
        out.append(
            "usage: /logging?paths=name1:level1,name2:level2,... (change multiple levels)\n");
        out.append("usage: /logging?level=<level> (change all levels)\n");
        out.append("levels: ");
        for (LogLevel level : LogLevel.values()) {
          out.append(level.envoyName()).append(' ');
        }
        out.append('\n');
      }
    }
    out.append("active loggers:\n");
    ApplicationLogs.components()
        .forEach(
            (name, level) ->
                out.append("  ").append(name).append(": ").append(level.envoyName()).append('\n'));
    ApplicationLogs.loggerOverrides()
        .forEach(
            (name, level) ->
                out.append("  ").append(name).append(": ").append(level.envoyName()).append('\n'));
    out.append('\n');
    return AdminResponse.text(status, out.toString());
  }

  /** Applies the change, all of it or nothing; the error Envoy would give otherwise. */
  private static Optional<String> change(Map<String, List<String>> params) {
    if (params.size() != 1 || params.values().iterator().next().size() != 1) {
      return Optional.of("invalid number of parameters");
    }
    Map.Entry<String, List<String>> param = params.entrySet().iterator().next();
    String key = param.getKey();
    String value = param.getValue().get(0);
    if (key.equals("level")) {
      Optional<LogLevel> level = LogLevel.parse(value);
      if (level.isEmpty()) {
        return Optional.of("unknown logger level");
      }
      log.info("change all log levels: level='{}'", level.get().envoyName());
      ApplicationLogs.setAll(level.get());
      return Optional.empty();
    }
    Map<String, LogLevel> changes = new LinkedHashMap<>();
    if (key.equals("paths")) {
      for (String pair : value.split(",")) {
        if (pair.isBlank()) {
          continue;
        }
        int colon = pair.indexOf(':');
        String name = colon < 0 ? pair.strip() : pair.substring(0, colon).strip();
        String levelName = colon < 0 ? "" : pair.substring(colon + 1).strip();
        if (name.isEmpty() || levelName.isEmpty()) {
          return Optional.of("empty logger name or empty logger level");
        }
        Optional<LogLevel> level = LogLevel.parse(levelName);
        if (level.isEmpty()) {
          return Optional.of("unknown logger level");
        }
        changes.put(name, level.get());
      }
    } else {
      Optional<LogLevel> level = LogLevel.parse(value);
      if (level.isEmpty()) {
        return Optional.of("unknown logger level");
      }
      changes.put(key, level.get());
    }
    for (String name : changes.keySet()) {
      if (!known(name)) {
        return Optional.of("unknown logger name");
      }
    }
    changes.forEach(
        (name, level) -> {
          log.info("change log level: name='{}' level='{}'", name, level.envoyName());
          ApplicationLogs.setLevel(name, level);
        });
    return Optional.empty();
  }

  private static boolean known(String name) {
    return ApplicationLogs.components().containsKey(name)
        || name.contains(".")
        || name.endsWith("*");
  }
}
