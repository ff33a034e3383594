package io.attache.dataplane.accesslog;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The open access-log outputs of one proxy, one writer per path however many loggers name it (as
 * Envoy's AccessLogManager shares files). {@code /dev/stdout} and {@code /dev/stderr} are the
 * process streams. Opening happens at config time, off the event loop; a path that cannot be opened
 * is a config error.
 */
public final class AccessLogFiles implements AutoCloseable {
  private static final String STDOUT = "/dev/stdout";
  private static final String STDERR = "/dev/stderr";

  private final StatsStore stats;
  private final int capacity;
  private final Map<String, AsyncLineWriter> writers = new HashMap<>();

  public AccessLogFiles(StatsStore stats) {
    this(stats, AsyncLineWriter.DEFAULT_CAPACITY);
  }

  /** {@code capacity}: lines that may wait per output before new ones are dropped. */
  public AccessLogFiles(StatsStore stats, int capacity) {
    this.stats = stats;
    this.capacity = capacity;
  }

  synchronized AsyncLineWriter open(String path, String fieldPath) throws ConfigException {
    AsyncLineWriter existing = writers.get(path);
    if (existing != null) {
      return existing;
    }
    AsyncLineWriter writer;
    switch (path) {
      case STDOUT -> writer = new AsyncLineWriter(path, System.out, false, capacity, stats);
      case STDERR -> writer = new AsyncLineWriter(path, System.err, false, capacity, stats);
      default -> {
        FileOutputStream stream;
        try {
          stream = new FileOutputStream(path, true);
        } catch (IOException e) {
          throw new ConfigException(fieldPath, "cannot open access log file: " + e.getMessage());
        }
        writer = new AsyncLineWriter(path, stream, true, capacity, stats);
      }
    }
    writers.put(path, writer);
    return writer;
  }

  /** Flushes and closes every output. */
  @Override
  public synchronized void close() {
    writers.values().forEach(AsyncLineWriter::close);
    writers.clear();
  }
}
