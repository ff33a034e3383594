package io.attache.bench.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One wrk run, read from its output. Prefers the exact machine-readable line the harness's Lua
 * {@code done} hook prints (integer microseconds); falls back to wrk's human summary ({@code
 * Requests/sec}, the {@code --latency} distribution with its us/ms/s units) so a plain wrk run can
 * be read too. Never guesses: a figure that is not in the output is {@code NaN}.
 *
 * @param requests completed requests (all statuses)
 * @param durationSeconds wall time wrk measured
 * @param errors connect + read + write + timeout errors plus non-2xx/3xx responses
 * @param p999Micros the 99.9th percentile: only the Lua hook's line has it (wrk's summary stops at
 *     99 %)
 */
public record WrkResult(
    long requests,
    double durationSeconds,
    long errors,
    double p50Micros,
    double p90Micros,
    double p99Micros,
    double p999Micros) {

  private static final Pattern MACHINE_LINE =
      Pattern.compile("^attache-bench:(.*)$", Pattern.MULTILINE);
  private static final Pattern KEY_VALUE = Pattern.compile("(\\w+)=([0-9.]+)");
  private static final Pattern REQUESTS_IN =
      Pattern.compile("^\\s*(\\d+) requests in ([0-9.]+)(us|ms|s|m|h)\\b", Pattern.MULTILINE);
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern PERCENTILE =
      Pattern.compile("^\\s*(50|90|99)(?:\\.0+)?%\\s+([0-9.]+)(us|ms|s|m)\\s*$", Pattern.MULTILINE);

  public double requestsPerSecond() {
    return durationSeconds > 0 ? requests / durationSeconds : Double.NaN;
  }

  /** True when at most {@code fraction} of the requests failed (and anything was sent). */
  public boolean cleanWithin(double fraction) {
    return requests > 0 && errors <= requests * fraction;
  }

  /** Reads wrk's stdout; throws when the output holds no request count at all. */
  public static WrkResult parse(String output) {
    Matcher machine = MACHINE_LINE.matcher(output);
    if (machine.find()) {
      return fromMachineLine(machine.group(1));
    }
    return fromHumanSummary(output);
  }

  private static WrkResult fromMachineLine(String line) {
    java.util.Map<String, Double> values = new java.util.HashMap<>();
    Matcher kv = KEY_VALUE.matcher(line);
    while (kv.find()) {
      values.put(kv.group(1), Double.parseDouble(kv.group(2)));
    }
    List<String> missing = new ArrayList<>();
    for (String key : List.of("requests", "duration_us", "p50_us", "p90_us", "p99_us")) {
      if (!values.containsKey(key)) {
        missing.add(key);
      }
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("wrk summary line lacks " + missing + ": " + line);
    }
    long errors = 0;
    for (String key :
        List.of(
            "errors_connect", "errors_read", "errors_write", "errors_timeout", "errors_status")) {
      errors += values.getOrDefault(key, 0.0).longValue();
    }
    return new WrkResult(
        values.get("requests").longValue(),
        values.get("duration_us") / 1e6,
        errors,
        values.get("p50_us"),
        values.get("p90_us"),
        values.get("p99_us"),
        values.getOrDefault("p999_us", Double.NaN));
  }

  private static WrkResult fromHumanSummary(String output) {
    Matcher requestsIn = REQUESTS_IN.matcher(output);
    if (!requestsIn.find()) {
      throw new IllegalArgumentException("not wrk output (no 'N requests in T'): " + output);
    }
    long requests = Long.parseLong(requestsIn.group(1));
    double duration = toMicros(requestsIn.group(2), requestsIn.group(3)) / 1e6;
    long errors = 0;
    Matcher socket = SOCKET_ERRORS.matcher(output);
    if (socket.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(socket.group(g));
      }
    }
    Matcher non2xx = NON_2XX.matcher(output);
    if (non2xx.find()) {
      errors += Long.parseLong(non2xx.group(1));
    }
    double p50 = Double.NaN;
    double p90 = Double.NaN;
    double p99 = Double.NaN;
    Matcher percentile = PERCENTILE.matcher(output);
    while (percentile.find()) {
      double micros = toMicros(percentile.group(2), percentile.group(3));
      switch (percentile.group(1)) {
        case "50" -> p50 = micros;
        case "90" -> p90 = micros;
        default -> p99 = micros;
      }
    }
    return new WrkResult(requests, duration, errors, p50, p90, p99, Double.NaN);
  }

  static double toMicros(String number, String unit) {
    double value = Double.parseDouble(number);
    return switch (unit.toLowerCase(Locale.ROOT)) {
      case "us" -> value;
      case "ms" -> value * 1e3;
      case "s" -> value * 1e6;
      case "m" -> value * 60e6;
      case "h" -> value * 3600e6;
      default -> throw new IllegalArgumentException("unknown wrk time unit " + unit);
    };
  }

  /**
   * The Lua script that makes wrk print the machine-readable line; {@code delayMillis > 0} also
   * paces each connection (wrk's {@code delay} hook) for the fixed-rate run.
   */
  public static String luaScript(int delayMillis) {
    StringBuilder lua = new StringBuilder();
    if (delayMillis > 0) {
      lua.append("function delay()\n  return ").append(delayMillis).append("\nend\n");
    }
    lua.append(
        """
        function done(summary, latency, requests)
          local e = summary.errors
          io.write(string.format(
            "attache-bench: requests=%d duration_us=%d errors_connect=%d errors_read=%d"
              .. " errors_write=%d errors_timeout=%d errors_status=%d"
              .. " p50_us=%.1f p90_us=%.1f p99_us=%.1f p999_us=%.1f\\n",
            summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status,
            latency:percentile(50), latency:percentile(90), latency:percentile(99),
            latency:percentile(99.9)))
        end
        """);
    return lua.toString();
  }
}
