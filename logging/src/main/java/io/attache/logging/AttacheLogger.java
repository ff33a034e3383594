package io.attache.logging;

import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;

/**
 * One SLF4J logger: a name, the Envoy component it belongs to, and the threshold of that component
 * (or of a finer per-logger setting), both replaced when levels change at runtime. The enabled
 * checks read one volatile field, so a disabled debug call costs next to nothing on an event loop.
 */
final class AttacheLogger extends LegacyAbstractLogger {
  private static final long serialVersionUID = 1L;

  private final transient LoggerRegistry registry;
  private volatile LogLevel threshold = LogLevel.INFO;
  private volatile String component;

  AttacheLogger(String name, LoggerRegistry registry) {
    this.name = name;
    this.registry = registry;
  }

  void apply(String component, LogLevel threshold) {
    this.component = component;
    this.threshold = threshold;
  }

  String component() {
    return component;
  }

  LogLevel threshold() {
    return threshold;
  }

  private boolean enabled(LogLevel level) {
    return threshold.ordinal() <= level.ordinal();
  }

  @Override
  public boolean isTraceEnabled() {
    return enabled(LogLevel.TRACE);
  }

  @Override
  public boolean isDebugEnabled() {
    return enabled(LogLevel.DEBUG);
  }

  @Override
  public boolean isInfoEnabled() {
    return enabled(LogLevel.INFO);
  }

  @Override
  public boolean isWarnEnabled() {
    return enabled(LogLevel.WARNING);
  }

  @Override
  public boolean isErrorEnabled() {
    return enabled(LogLevel.ERROR);
  }

  @Override
  protected String getFullyQualifiedCallerName() {
    return null;
  }

  @Override
  protected void handleNormalizedLoggingCall(
      Level level, Marker marker, String pattern, Object[] arguments, Throwable throwable) {
    String message = MessageFormatter.basicArrayFormat(pattern, arguments);
    registry.emit(this, LogLevel.of(level), message, throwable);
  }
}
