package io.attache.logging;

import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import org.slf4j.ILoggerFactory;
import org.slf4j.Logger;

/**
 * Every logger of the process and the settings they follow: which component each belongs to, the
 * level of each component and of finer per-logger overrides, the format and the sink. Settings
 * change under one lock and are pushed into every logger, so the logging calls themselves never
 * lock until a line is written.
 */
final class LoggerRegistry implements ILoggerFactory {
  private static final StackWalker WALKER = StackWalker.getInstance();

  private final ConcurrentMap<String, AttacheLogger> loggers = new ConcurrentHashMap<>();
  private final PrintStream stderr;
  private final Clock clock;
  // Guarded by this; read lock-free through the volatile fields below.
  private LogSettings settings = LogSettings.defaults();
  private final Map<String, LogLevel> componentLevels = new TreeMap<>();
  private final Map<String, LogLevel> loggerLevels = new TreeMap<>();
  private volatile LogFormat format = settings.format();
  private volatile LogSink sink;

  LoggerRegistry(PrintStream stderr, Clock clock) {
    this.stderr = stderr;
    this.clock = clock;
    this.sink = LogSink.stderr(stderr);
  }

  @Override
  public Logger getLogger(String name) {
    AttacheLogger logger = loggers.get(name);
    if (logger != null) {
      return logger;
    }
    synchronized (this) {
      return loggers.computeIfAbsent(
          name,
          n -> {
            AttacheLogger fresh = new AttacheLogger(n, this);
            applyTo(fresh);
            return fresh;
          });
    }
  }

  /** Replaces every setting; the previous file, if any, is closed once the new sink is open. */
  synchronized void configure(LogSettings next) throws IOException {
    LogSink nextSink =
        next.path().isPresent() ? LogSink.file(next.path().get(), stderr) : LogSink.stderr(stderr);
    LogSink previous = sink;
    settings = next;
    componentLevels.clear();
    loggerLevels.clear();
    for (Map.Entry<String, LogLevel> e : next.componentLevels().entrySet()) {
      (isLoggerName(e.getKey()) ? loggerLevels : componentLevels).put(e.getKey(), e.getValue());
    }
    format = next.format();
    sink = nextSink;
    previous.close();
    loggers.values().forEach(this::applyTo);
    JulBridge.follow(mostVerbose());
  }

  // Called with the lock held.
  private LogLevel mostVerbose() {
    LogLevel min = settings.level();
    for (LogLevel l : componentLevels.values()) {
      min = l.ordinal() < min.ordinal() ? l : min;
    }
    for (LogLevel l : loggerLevels.values()) {
      min = l.ordinal() < min.ordinal() ? l : min;
    }
    return min;
  }

  /**
   * Sets one component's level, or (a name with a dot or a {@code *}) the level of the loggers it
   * names, like Envoy's fine-grain paths. False, and nothing changes, for an unknown component.
   */
  synchronized boolean setLevel(String name, LogLevel level) {
    if (isLoggerName(name)) {
      loggerLevels.put(name, level);
    } else if (components().containsKey(name)) {
      componentLevels.put(name, level);
    } else {
      return false;
    }
    loggers.values().forEach(this::applyTo);
    JulBridge.follow(mostVerbose());
    return true;
  }

  /** {@code /logging?level=}: every component and logger at one level. */
  synchronized void setAll(LogLevel level) {
    for (String component : components().keySet()) {
      componentLevels.put(component, level);
    }
    loggerLevels.clear();
    settings =
        new LogSettings(
            level,
            Map.of(),
            settings.format(),
            settings.path(),
            settings.componentsByPackage(),
            settings.knownComponents());
    loggers.values().forEach(this::applyTo);
    JulBridge.follow(mostVerbose());
  }

  /** Every component known (configured, or owning a logger) with its level, by name. */
  synchronized SortedMap<String, LogLevel> components() {
    SortedMap<String, LogLevel> out = new TreeMap<>();
    for (String c : settings.knownComponents()) {
      out.put(c, componentLevels.getOrDefault(c, settings.level()));
    }
    for (AttacheLogger logger : loggers.values()) {
      String c = logger.component();
      out.put(c, componentLevels.getOrDefault(c, settings.level()));
    }
    return out;
  }

  /** The per-logger overrides set through {@link #setLevel} with a logger name or pattern. */
  synchronized SortedMap<String, LogLevel> loggerOverrides() {
    return new TreeMap<>(loggerLevels);
  }

  void reopen() {
    sink.reopen();
  }

  Optional<java.nio.file.Path> path() {
    return sink.path();
  }

  private static boolean isLoggerName(String name) {
    return name.indexOf('.') >= 0 || name.indexOf('*') >= 0;
  }

  // Called with the lock held.
  private void applyTo(AttacheLogger logger) {
    String component = componentOf(logger.getName());
    LogLevel level = componentLevels.getOrDefault(component, settings.level());
    int bestLength = -1;
    for (Map.Entry<String, LogLevel> e : loggerLevels.entrySet()) {
      if (matches(e.getKey(), logger.getName()) && e.getKey().length() > bestLength) {
        bestLength = e.getKey().length();
        level = e.getValue();
      }
    }
    logger.apply(component, level);
  }

  /** A name, a prefix ending in {@code *}, or a package prefix, as Envoy's globs for files. */
  private static boolean matches(String pattern, String loggerName) {
    if (pattern.endsWith("*")) {
      return loggerName.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return loggerName.equals(pattern) || loggerName.startsWith(pattern + ".");
  }

  private String componentOf(String loggerName) {
    String best = null;
    int bestLength = -1;
    for (Map.Entry<String, String> e : settings.componentsByPackage().entrySet()) {
      String prefix = e.getKey();
      boolean match = loggerName.equals(prefix) || loggerName.startsWith(prefix + ".");
      if (match && prefix.length() > bestLength) {
        best = e.getValue();
        bestLength = prefix.length();
      }
    }
    if (best != null) {
      return best;
    }
    if (loggerName.startsWith("io.attache.")) {
      int lastDot = loggerName.lastIndexOf('.');
      String pkg = loggerName.substring(0, Math.max(0, lastDot));
      return pkg.substring(pkg.lastIndexOf('.') + 1);
    }
    return "misc";
  }

  void emit(AttacheLogger logger, LogLevel level, String message, Throwable throwable) {
    LogFormat current = format;
    String text = message;
    if (throwable != null) {
      StringWriter trace = new StringWriter();
      throwable.printStackTrace(new PrintWriter(trace));
      text = message + "\n" + trace.toString().stripTrailing();
    }
    StackTraceElement caller = current.needsCaller() ? caller() : null;
    LogRecord record =
        new LogRecord(
            clock.instant(),
            Thread.currentThread().getName(),
            level,
            logger.component(),
            logger.getName(),
            text,
            caller);
    sink.write(current.render(record));
  }

  /** The first frame outside the logging machinery: the class that logged. */
  private static StackTraceElement caller() {
    return WALKER.walk(
        frames ->
            frames
                .filter(
                    f ->
                        !f.getClassName().startsWith("io.attache.logging.")
                            && !f.getClassName().startsWith("org.slf4j."))
                .findFirst()
                .map(StackWalker.StackFrame::toStackTraceElement)
                .orElse(null));
  }
}
