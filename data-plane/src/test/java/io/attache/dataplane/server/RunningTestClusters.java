package io.attache.dataplane.server;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.transport.Transports;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import java.util.concurrent.TimeUnit;

/**
 * Real running clusters (hosts, pools, TLS transport sockets, stats) from a bootstrap's {@code
 * static_resources.clusters} YAML, and one event loop to drive their pools from — for side-channel
 * clients (the trace exporter) tested without a whole proxy. Close it to stop both.
 */
public final class RunningTestClusters implements AutoCloseable {
  private final ClusterRuntime runtime;
  private final EventLoopGroup loops = Transports.newEventLoopGroup(1, "test-side-channel");

  private RunningTestClusters(ClusterRuntime runtime) {
    this.runtime = runtime;
  }

  /** Starts the clusters listed (YAML list items, as {@code ProxyHarness.staticCluster} makes). */
  public static RunningTestClusters start(String clustersYaml, StatsStore stats)
      throws ConfigException {
    String bootstrap = "static_resources:\n  clusters:\n" + clustersYaml.indent(2);
    return new RunningTestClusters(
        ClusterRuntime.start(
            BootstrapLoader.parse(bootstrap, false).getStaticResources().getClustersList(),
            stats,
            RandomSource.seeded(1)));
  }

  /** The running cluster of that name, or null: what the proxy hands its side channels. */
  public ClusterHandle get(String name) {
    return runtime.get(name);
  }

  public EventLoop loop() {
    return loops.next();
  }

  @Override
  public void close() {
    runtime.close();
    loops.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
  }
}
