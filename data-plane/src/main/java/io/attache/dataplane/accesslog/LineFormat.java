package io.attache.dataplane.accesslog;

/** Turns one entry into one log line (text or JSON). Runs on the event loop: must not block. */
public interface LineFormat {
  String format(AccessLogEntry entry);
}
