package io.attache.dataplane.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.util.Durations;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code stats_flush_interval} within Envoy's bounds, [1ms, 5m): 300s is refused as Envoy does. */
class StatsFlushConfigTest {

  private static Bootstrap every(com.google.protobuf.Duration interval) {
    return Bootstrap.newBuilder().setStatsFlushInterval(interval).build();
  }

  @Test
  void acceptsTheLongestIntervalEnvoyAccepts() throws Exception {
    assertThat(StatsFlushConfig.from(every(Durations.fromSeconds(299))).interval())
        .isEqualTo(Duration.ofSeconds(299));
  }

  @Test
  void refusesFiveMinutesAsEnvoysValidationDoes() {
    assertThatThrownBy(() -> StatsFlushConfig.from(every(Durations.fromSeconds(300))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stats_flush_interval");
  }

  @Test
  void refusesLessThanAMillisecond() {
    assertThatThrownBy(() -> StatsFlushConfig.from(every(Durations.fromNanos(500_000))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("stats_flush_interval");
  }
}
