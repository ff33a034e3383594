package io.attache.logging;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * How a process logs, from Envoy's flags: the level of every component ({@code -l}), per-component
 * levels ({@code --component-log-level}), the line format ({@code --log-format}, {@code
 * --log-format-escaped}, or a bootstrap's JSON format), and the file ({@code --log-path}; standard
 * error when empty).
 *
 * @param componentsByPackage which Envoy component a logger belongs to, by logger-name prefix
 *     (longest prefix wins); unmapped Attaché loggers take their package's last segment, others
 *     {@code misc}
 * @param knownComponents components listed by {@code /logging} even before any logger of theirs
 *     exists, as Envoy lists all of its own
 */
public record LogSettings(
    LogLevel level,
    Map<String, LogLevel> componentLevels,
    LogFormat format,
    Optional<Path> path,
    Map<String, String> componentsByPackage,
    java.util.List<String> knownComponents) {

  public LogSettings {
    componentLevels = Map.copyOf(componentLevels);
    componentsByPackage = Map.copyOf(componentsByPackage);
    knownComponents = java.util.List.copyOf(knownComponents);
  }

  /** Envoy's defaults: info, the default pattern, standard error, no component table. */
  public static LogSettings defaults() {
    return new LogSettings(
        LogLevel.INFO,
        Map.of(),
        LogFormat.pattern(LogFormat.ENVOY_DEFAULT, false),
        Optional.empty(),
        Map.of(),
        java.util.List.of());
  }
}
