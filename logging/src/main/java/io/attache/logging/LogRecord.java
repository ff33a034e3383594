package io.attache.logging;

import java.time.Instant;

/**
 * One log call, captured on the calling thread: when, where, how severe, which component, the
 * formatted message with any stack trace, and (only if the format asks for it) the caller's source
 * location.
 */
record LogRecord(
    Instant time,
    String threadName,
    LogLevel level,
    String component,
    String loggerName,
    String message,
    StackTraceElement caller) {}
