package io.attache.logging;

import java.util.Locale;
import java.util.Optional;

/**
 * Envoy's log levels in order of severity, with Envoy's names ({@code warning}, not {@code warn}).
 * SLF4J has no {@code critical}: a threshold of {@code critical} therefore hides SLF4J's errors
 * too, as Envoy's hides its errors.
 */
public enum LogLevel {
  TRACE("trace", 'T'),
  DEBUG("debug", 'D'),
  INFO("info", 'I'),
  WARNING("warning", 'W'),
  ERROR("error", 'E'),
  CRITICAL("critical", 'C'),
  OFF("off", 'O');

  private final String envoyName;
  private final char letter;

  LogLevel(String envoyName, char letter) {
    this.envoyName = envoyName;
    this.letter = letter;
  }

  /** {@code trace}, {@code debug}, ..., as Envoy prints and parses them. */
  public String envoyName() {
    return envoyName;
  }

  /** spdlog's short level ({@code %L}). */
  char letter() {
    return letter;
  }

  /** Parses Envoy's names ({@code warn} too, as Envoy accepts it). */
  public static Optional<LogLevel> parse(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    if (n.equals("warn")) {
      return Optional.of(WARNING);
    }
    for (LogLevel level : values()) {
      if (level.envoyName.equals(n)) {
        return Optional.of(level);
      }
    }
    return Optional.empty();
  }

  static LogLevel of(org.slf4j.event.Level slf4j) {
    return switch (slf4j) {
      case TRACE -> TRACE;
      case DEBUG -> DEBUG;
      case INFO -> INFO;
      case WARN -> WARNING;
      case ERROR -> ERROR;
    };
  }
}
