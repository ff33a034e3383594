package io.attache.dataplane.outlier;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.upstream.UpstreamCluster;
import io.attache.dataplane.upstream.UpstreamContext;
import io.attache.dataplane.upstream.host.Host;

/**
 * A cluster's outlier detection (passive health checking): one {@link HostMonitor} per host fed by
 * the data path, ejecting hosts by setting {@code FAILED_OUTLIER_CHECK} on them and un-ejecting
 * them on its interval timer. A cluster without {@code outlier_detection} gets {@link #NONE}, so
 * call sites never test for null.
 */
public interface OutlierDetector extends AutoCloseable {
  OutlierDetector NONE =
      new OutlierDetector() {
        @Override
        public HostMonitor monitor(Host host) {
          return HostMonitor.NONE;
        }

        @Override
        public void onActiveHealthCheck(Host host, boolean passed) {}

        @Override
        public void close() {}
      };

  /**
   * The detector for {@code cluster}: {@link #NONE} without {@code outlier_detection}, else a
   * running one whose interval timer is already armed on {@code context.scheduler()}.
   *
   * @throws ConfigException naming {@code clusters[<name>].outlier_detection.<field>}
   */
  static OutlierDetector create(UpstreamCluster cluster, UpstreamContext context, Ticker ticker)
      throws ConfigException {
    if (cluster.definition().outlierDetection().isEmpty()) {
      return NONE;
    }
    OutlierDetectionConfig config =
        OutlierDetectionConfig.from(
            cluster.definition().outlierDetection().get(),
            "clusters[" + cluster.name() + "].outlier_detection");
    return OutlierDetectorImpl.start(cluster, config, context, ticker);
  }

  /**
   * The monitor of {@code host}, or {@link HostMonitor#NONE} for a host this cluster no longer has.
   */
  HostMonitor monitor(Host host);

  /**
   * Told the result of each active health check of {@code host}; with {@code
   * successful_active_health_check_uneject_host} (default true) a passing check un-ejects an
   * ejected host that active checking considers healthy, as in Envoy.
   */
  void onActiveHealthCheck(Host host, boolean passed);

  /** Cancels the interval timer; monitors keep answering but nothing is ejected any more. */
  @Override
  void close();
}
