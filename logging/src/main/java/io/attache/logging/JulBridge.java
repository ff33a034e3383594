package io.attache.logging;

import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Routes {@code java.util.logging} (gRPC's logger) into the same registry, so every line of the
 * process has one format and one set of levels. The JUL root level follows the most verbose
 * threshold in force, so JUL does not build records nobody will print.
 */
final class JulBridge extends Handler {
  private final LoggerRegistry registry;

  private JulBridge(LoggerRegistry registry) {
    this.registry = registry;
  }

  /** Replaces the root JUL handlers with the bridge. */
  static void install(LoggerRegistry registry) {
    Logger root = LogManager.getLogManager().getLogger("");
    for (Handler h : root.getHandlers()) {
      root.removeHandler(h);
    }
    root.addHandler(new JulBridge(registry));
  }

  /** Lets JUL records at {@code mostVerbose} and above through to the bridge. */
  static void follow(LogLevel mostVerbose) {
    Logger root = LogManager.getLogManager().getLogger("");
    root.setLevel(
        switch (mostVerbose) {
          case TRACE -> Level.FINEST;
          case DEBUG -> Level.FINE;
          case INFO -> Level.INFO;
          case WARNING -> Level.WARNING;
          case ERROR, CRITICAL -> Level.SEVERE;
          case OFF -> Level.OFF;
        });
  }

  @Override
  public void publish(java.util.logging.LogRecord record) {
    if (record == null) {
      return;
    }
    String name = record.getLoggerName() == null ? "jul" : record.getLoggerName();
    AttacheLogger logger = (AttacheLogger) registry.getLogger(name);
    LogLevel level = levelOf(record.getLevel());
    if (logger.threshold().ordinal() > level.ordinal()) {
      return;
    }
    String message = record.getMessage();
    Object[] parameters = record.getParameters();
    if (message != null && parameters != null && parameters.length > 0) {
      try {
        message = java.text.MessageFormat.format(message, parameters);
      } catch (IllegalArgumentException e) {
        // JUL messages are MessageFormat patterns; a stray brace leaves the text as written
      }
    }
    registry.emit(logger, level, message == null ? "" : message, record.getThrown());
  }

  private static LogLevel levelOf(Level level) {
    int v = level.intValue();
    if (v >= Level.SEVERE.intValue()) {
      return LogLevel.ERROR;
    }
    if (v >= Level.WARNING.intValue()) {
      return LogLevel.WARNING;
    }
    if (v >= Level.INFO.intValue()) {
      return LogLevel.INFO;
    }
    if (v >= Level.FINE.intValue()) {
      return LogLevel.DEBUG;
    }
    return LogLevel.TRACE;
  }

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
