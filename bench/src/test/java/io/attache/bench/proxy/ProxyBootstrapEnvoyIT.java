package io.attache.bench.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy benchmark's Envoy contestant runs the very bootstrap Attaché runs: the stock Envoy
 * accepts it and serves its listener with every cluster, so the two are compared on one config.
 */
@ExtendWith(StockEnvoyExtension.class)
class ProxyBootstrapEnvoyIT {

  @TempDir Path dir;

  @Test
  void theStockEnvoyAcceptsTheBootstrapAttacheRuns(Envoy envoy) throws Exception {
    String bootstrap = BenchConfigs.proxyBootstrap(new BenchConfigs.Ports(18080), 0, 0, 100);

    Envoy.Validation validation = envoy.validate("bench", bootstrap, dir);

    assertThat(validation.valid()).as(validation.reason()).isTrue();
  }

  @Test
  void theStockEnvoyServesTheBenchListenerWithEveryCluster(Envoy envoy) throws Exception {
    // Ports the kernel picks: the bench's own fixed ones may be in use by a benchmark run.
    String bootstrap = BenchConfigs.proxyBootstrap(new BenchConfigs.Ports(18080), 0, 0, 100);

    try (RunningEnvoy running = envoy.start("bench", bootstrap, dir)) {
      assertThat(running.admin("/listeners")).contains("bench::127.0.0.1:");
      assertThat(running.stat("cluster_manager.active_clusters")).isEqualTo(100);
      assertThat(running.stat("server.concurrency")).isEqualTo(1);
    }
  }
}
