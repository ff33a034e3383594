package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.stats.StatsStore;
import io.envoyproxy.envoy.admin.v3.ServerInfo;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ServerStatsTest {
  private final StatsStore stats = new StatsStore();
  private final AtomicLong now = new AtomicLong(5_000_000_000L);
  private final AtomicReference<ServerInfo.State> state =
      new AtomicReference<>(ServerInfo.State.INITIALIZING);

  private ServerStats serverStats() {
    return new ServerStats(
        stats, new ServerStats.ServerIdentity(2, 1000, 3), now::get, state::get, () -> 7, () -> 12);
  }

  private long gauge(String name) {
    return stats.gauges().get(name).value();
  }

  @Test
  void gaugesFollowTheServerAtEachRefresh() {
    ServerStats server = serverStats();
    assertThat(gauge("server.live")).isZero();
    assertThat(gauge("server.state")).isEqualTo(3);
    assertThat(gauge("server.concurrency")).isEqualTo(2);
    assertThat(gauge("server.version")).isEqualTo(1000);
    assertThat(gauge("server.hot_restart_epoch")).isEqualTo(3);
    assertThat(gauge("server.total_connections")).isEqualTo(7);
    assertThat(gauge("server.days_until_first_cert_expiring")).isEqualTo(12);

    state.set(ServerInfo.State.LIVE);
    now.addAndGet(TimeUnit.SECONDS.toNanos(61));
    server.refresh();

    assertThat(gauge("server.live")).isEqualTo(1);
    assertThat(gauge("server.state")).isZero();
    assertThat(gauge("server.uptime")).isEqualTo(61);
    assertThat(gauge("server.memory_allocated")).isPositive();
    assertThat(gauge("server.memory_physical_size")).isPositive();
  }

  @Test
  void initializationTimeIsRecordedOnceInMilliseconds() {
    ServerStats server = serverStats();
    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(105));
    server.initialized();
    assertThat(
            stats
                .histograms()
                .get("server.initialization_time_ms")
                .statistics()
                .cumulative()
                .bins())
        .singleElement()
        .satisfies(b -> assertThat(b.lowerBound()).isEqualTo(100));
  }

  @Test
  void versionNumberPacksTheReleaseUnlessOverridden() {
    assertThat(ServerStats.versionNumber("0.1.0-SNAPSHOT", 0)).isEqualTo(1000);
    assertThat(ServerStats.versionNumber("1.40.2", 0)).isEqualTo(1_040_002);
    assertThat(ServerStats.versionNumber("1.40.2", 99)).isEqualTo(99);
  }
}
