package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class WrkResultTest {
  // Captured from wrk 4.1.0 (Debian 12) with --latency.
  private static final String HUMAN =
      """
      Running 1s test @ http://127.0.0.1:18999/a
        1 threads and 2 connections
        Thread Stats   Avg      Stdev     Max   +/- Stdev
          Latency     7.05ms   14.47ms  97.82ms   93.08%
          Req/Sec   652.18    280.21     1.07k    72.73%
        Latency Distribution
           50%    1.92ms
           75%    5.82ms
           90%   15.22ms
           99%   82.88ms
        716 requests in 1.10s, 141.24KB read
      Requests/sec:    648.85
      Transfer/sec:    127.99KB
      """;

  @Test
  void readsRequestsDurationAndPercentilesWithTheirUnitsFromWrksSummary() {
    WrkResult result = WrkResult.parse(HUMAN);

    assertThat(result.requests()).isEqualTo(716);
    assertThat(result.durationSeconds()).isCloseTo(1.10, within(1e-9));
    assertThat(result.requestsPerSecond()).isCloseTo(650.9, within(0.1));
    assertThat(result.p50Micros()).isCloseTo(1920, within(1e-6));
    assertThat(result.p90Micros()).isCloseTo(15220, within(1e-6));
    assertThat(result.p99Micros()).isCloseTo(82880, within(1e-6));
    assertThat(result.p999Micros()).as("wrk's summary has no 99.9 %").isNaN();
    assertThat(result.errors()).isZero();
  }

  @Test
  void countsNon2xxResponsesAndSocketErrorsAsErrors() {
    String output =
        """
          567 requests in 1.04s, 287.93KB read
          Socket errors: connect 0, read 3, write 1, timeout 2
          Non-2xx or 3xx responses: 567
        Requests/sec:    542.66
        """;

    WrkResult result = WrkResult.parse(output);

    assertThat(result.errors()).isEqualTo(573);
    assertThat(result.cleanWithin(0.01)).isFalse();
    assertThat(result.p50Micros()).isNaN();
  }

  @Test
  void prefersTheExactLineOfTheLuaDoneHook() {
    String output =
        HUMAN
            + "attache-bench: requests=716 duration_us=1100512 errors_connect=0 errors_read=0"
            + " errors_write=0 errors_timeout=0 errors_status=2 p50_us=1917.0 p90_us=15221.0"
            + " p99_us=82877.5 p999_us=97100.0\n";

    WrkResult result = WrkResult.parse(output);

    assertThat(result.durationSeconds()).isCloseTo(1.100512, within(1e-9));
    assertThat(result.p50Micros()).isCloseTo(1917.0, within(1e-9));
    assertThat(result.p99Micros()).isCloseTo(82877.5, within(1e-9));
    assertThat(result.p999Micros()).isCloseTo(97100.0, within(1e-9));
    assertThat(result.errors()).isEqualTo(2);
  }

  @Test
  void refusesOutputThatIsNotWrks() {
    assertThatThrownBy(() -> WrkResult.parse("unable to connect to 127.0.0.1:1 Connection refused"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not wrk output");
    assertThatThrownBy(() -> WrkResult.parse("attache-bench: requests=5"))
        .hasMessageContaining("lacks");
  }

  @Test
  void luaScriptPacesConnectionsOnlyWhenADelayIsAsked() {
    assertThat(WrkResult.luaScript(0)).doesNotContain("function delay").contains("function done");
    assertThat(WrkResult.luaScript(10)).contains("function delay()\n  return 10\n");
    assertThat(WrkResult.luaScript(0)).contains("p999_us=").contains("latency:percentile(99.9)");
  }
}
