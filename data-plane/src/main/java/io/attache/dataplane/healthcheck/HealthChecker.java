package io.attache.dataplane.healthcheck;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.host.Host;
import io.netty.channel.EventLoopGroup;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * A cluster's active health checking: probes every host on its own timer and sets or clears {@code
 * FAILED_ACTIVE_HC} on it as Envoy does. A cluster without {@code health_checks} gets {@link
 * #NONE}, so call sites never test for null.
 */
public interface HealthChecker extends AutoCloseable {
  HealthChecker NONE =
      new HealthChecker() {
        @Override
        public void addHostCheckListener(HostCheckListener listener) {}

        @Override
        public void setUnhealthy(Host host) {}

        @Override
        public CompletableFuture<Void> initialized() {
          return CompletableFuture.completedFuture(null);
        }

        @Override
        public void close() {}
      };

  /**
   * The checker for {@code cluster}: {@link #NONE} without {@code health_checks}; otherwise one
   * whose first probes are already scheduled on {@code context.scheduler()}, with sockets on {@code
   * group} (a small group of its own is enough; probes never block it).
   *
   * @throws ConfigException naming {@code clusters[<name>].health_checks...}
   */
  static HealthChecker create(
      UpstreamCluster cluster, UpstreamContext context, EventLoopGroup group)
      throws ConfigException {
    Optional<HealthCheckConfig> config =
        HealthCheckConfig.from(
            cluster.definition().healthChecks(), "clusters[" + cluster.name() + "].health_checks");
    if (config.isEmpty()) {
      return NONE;
    }
    HealthProbe probe =
        config.get().checker() instanceof HealthCheckConfig.Http http
            ? new HttpHealthProbe(group, config.get(), http, cluster.name())
            : new TcpHealthProbe(
                group, config.get(), (HealthCheckConfig.Tcp) config.get().checker());
    return ActiveHealthChecker.start(cluster, config.get(), context, probe);
  }

  /** Told after each completed check; e.g. outlier detection un-ejecting a host that passes. */
  void addHostCheckListener(HostCheckListener listener);

  /**
   * The data path saw {@code x-envoy-immediate-health-check-fail} from {@code host}: exclude it and
   * fail it now (a passive failure), as Envoy does; the next passing check brings it back.
   */
  void setUnhealthy(Host host);

  /**
   * Completes once every host the cluster had when the checker started has had its first check
   * (pass or fail): Envoy finishes warming a health-checked cluster only then.
   */
  CompletableFuture<Void> initialized();

  /** Stops every timer and closes every probe connection. */
  @Override
  void close();
}
