package io.attache.bench.proxy;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One h2load run, read from its summary ({@code finished in 5.00s, 12345.67 req/s, ...} and the
 * {@code requests:} line). A run without a {@code finished in} line is refused, never zeroed.
 */
public record H2loadResult(double requestsPerSecond, long succeeded, long failed) {
  private static final Pattern FINISHED =
      Pattern.compile("finished in ([0-9.]+)(ms|s), ([0-9.]+) req/s");
  private static final Pattern REQUESTS =
      Pattern.compile(
          "requests: (\\d+) total, (\\d+) started, (\\d+) done, (\\d+) succeeded, (\\d+) failed,"
              + " (\\d+) errored, (\\d+) timeout");

  public boolean cleanWithin(double fraction) {
    return succeeded > 0 && failed <= succeeded * fraction;
  }

  public static H2loadResult parse(String output) {
    Matcher finished = FINISHED.matcher(output);
    if (!finished.find()) {
      throw new IllegalArgumentException("not h2load output (no 'finished in'): " + output);
    }
    Matcher requests = REQUESTS.matcher(output);
    if (!requests.find()) {
      throw new IllegalArgumentException("h2load output lacks the 'requests:' line: " + output);
    }
    long failed =
        Long.parseLong(requests.group(5))
            + Long.parseLong(requests.group(6))
            + Long.parseLong(requests.group(7));
    return new H2loadResult(
        Double.parseDouble(finished.group(3)), Long.parseLong(requests.group(4)), failed);
  }
}
