package io.attache.controlplane.differential;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a data plane's integer stats from its admin endpoint ({@code GET /stats}, Envoy's text form
 * {@code name: value}) and takes the difference between two readings, so a scenario is compared on
 * what its own traffic moved. Listener stats are named after the listener's address, which differs
 * from run to run: {@code listener.127.0.0.1_<port>.} becomes {@code listener.<edge>.}. Reads only;
 * never resets anything.
 */
final class AdminStats {

  private static final Pattern LINE = Pattern.compile("^([^:\\s]+): (-?\\d+)$", Pattern.MULTILINE);
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private AdminStats() {}

  static SortedMap<String, Long> read(int adminPort, int edgePort) {
    try {
      HttpResponse<String> response =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/stats"))
                  .timeout(Duration.ofSeconds(10))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      SortedMap<String, Long> stats = new TreeMap<>();
      Matcher m = LINE.matcher(response.body());
      String listener = "listener.127.0.0.1_" + edgePort + ".";
      while (m.find()) {
        String name = m.group(1);
        if (name.startsWith(listener)) {
          name = "listener.<edge>." + name.substring(listener.length());
        }
        try {
          stats.put(name, Long.parseLong(m.group(2)));
        } catch (NumberFormatException hash) {
          // an unsigned 64-bit gauge (a config version hash): no counter, nothing to subtract
        }
      }
      return stats;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * {@code after − before} for every stat under one of {@code prefixes} that moved, as facts
   * ({@code name → delta}).
   */
  static SortedMap<String, String> moved(
      Map<String, Long> before, Map<String, Long> after, Iterable<String> prefixes) {
    SortedMap<String, String> out = new TreeMap<>();
    after.forEach(
        (name, value) -> {
          long delta = value - before.getOrDefault(name, 0L);
          if (delta != 0 && under(name, prefixes)) {
            out.put(name, Long.toString(delta));
          }
        });
    before.forEach(
        (name, value) -> {
          if (!after.containsKey(name) && value != 0 && under(name, prefixes)) {
            out.put(name, "<gone>");
          }
        });
    return out;
  }

  private static boolean under(String name, Iterable<String> prefixes) {
    for (String prefix : prefixes) {
      if (name.startsWith(prefix)) {
        return true;
      }
    }
    return false;
  }
}
