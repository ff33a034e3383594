package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ProcStatsTest {
  @Test
  void addsUserAndSystemTicksEvenWhenTheCommandNameHasSpacesAndParentheses() {
    String stat =
        "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 1234 567 0 0 20 0 30 0 100"
            + " 5000000 3000 18446744073709551615 0 0 0 0 0 0 0 0 0 0 0 0 17 1 0 0 0 0 0";

    assertThat(ProcStats.cpuTicks(stat)).isEqualTo(1234 + 567);
  }

  @Test
  void readsVmRssInBytes() {
    String status = "Name:\tjava\nVmPeak:\t  900000 kB\nVmRSS:\t   65536 kB\nThreads:\t20\n";

    assertThat(ProcStats.vmRssBytes(status)).isEqualTo(64L * 1024 * 1024);
    assertThat(ProcStats.vmRssBytes("Name:\tkthreadd\n")).isZero();
  }

  @Test
  void readsPssNotItsAnonOrFileSharesInBytes() {
    String rollup =
        "55d0-7ffd ---p 00000000 00:00 0  [rollup]\nRss:  120000 kB\nPss:   98304 kB\n"
            + "Pss_Anon:  40000 kB\nPss_File:  58304 kB\n";

    assertThat(ProcStats.pssBytes(rollup)).isEqualTo(96L * 1024 * 1024);
    assertThat(ProcStats.pssBytes("Rss: 1 kB\n")).isZero();
  }

  @Test
  void measuresThisProcessFromProc() {
    assertThat(ProcStats.rssBytes(ProcessHandle.current())).isGreaterThan(1024 * 1024);
    assertThat(ProcStats.pssBytes(ProcessHandle.current())).isGreaterThan(1024 * 1024);
    assertThat(ProcStats.cpuSeconds(ProcessHandle.current())).isPositive();
  }
}
