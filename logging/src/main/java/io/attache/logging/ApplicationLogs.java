package io.attache.logging;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.SortedMap;

/**
 * The process's application logs: configured once from the command line ({@link #configure}), then
 * changed at runtime by the admin endpoint's {@code /logging} ({@link #setLevel}, {@link #setAll})
 * and {@code /reopen_logs} ({@link #reopen}). Thread-safe.
 */
public final class ApplicationLogs {
  private static final LoggerRegistry REGISTRY = new LoggerRegistry(System.err, Clock.systemUTC());

  static {
    JulBridge.install(REGISTRY);
    JulBridge.follow(LogLevel.INFO);
  }

  private ApplicationLogs() {}

  static LoggerRegistry registry() {
    return REGISTRY;
  }

  /**
   * Applies {@code settings} to every logger, existing and future.
   *
   * @throws IOException when the log file cannot be opened (nothing changes then)
   */
  public static void configure(LogSettings settings) throws IOException {
    REGISTRY.configure(settings);
  }

  /**
   * Sets the level of one component ({@code upstream}) or of the loggers a Java name or pattern
   * names ({@code io.attache.dataplane.xds}, {@code io.attache.dataplane.xds.Ads*}).
   *
   * @return false, changing nothing, when the name is neither a known component nor a logger name
   */
  public static boolean setLevel(String name, LogLevel level) {
    return REGISTRY.setLevel(name, level);
  }

  /** Every component and logger at {@code level}. */
  public static void setAll(LogLevel level) {
    REGISTRY.setAll(level);
  }

  /** The known components and their levels, by name: what {@code /logging} lists. */
  public static SortedMap<String, LogLevel> components() {
    return REGISTRY.components();
  }

  /** Levels set for Java logger names or patterns rather than components. */
  public static SortedMap<String, LogLevel> loggerOverrides() {
    return REGISTRY.loggerOverrides();
  }

  /** Reopens {@code --log-path} (after rotation); nothing when logging to standard error. */
  public static void reopen() {
    REGISTRY.reopen();
  }

  /** The log file, when there is one. */
  public static Optional<Path> path() {
    return REGISTRY.path();
  }
}
