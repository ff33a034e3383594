package io.attache.dataplane.outlier;

import java.time.Duration;

/**
 * What the data path reports about one host to its cluster's outlier detector (Envoy's {@code
 * DetectorHostMonitor}). Called on event loops, from any number of them at once; never blocks
 * beyond the detector's short lock when a threshold is crossed.
 */
public interface HostMonitor {
  /** For hosts of clusters without outlier detection (or unknown hosts): ignores everything. */
  HostMonitor NONE =
      new HostMonitor() {
        @Override
        public void putHttpResponseCode(int code) {}

        @Override
        public void putResult(OutlierResult result) {}

        @Override
        public void putResult(OutlierResult result, int httpCode) {}

        @Override
        public void putResponseTime(Duration elapsed) {}

        @Override
        public int numEjections() {
          return 0;
        }

        @Override
        public double successRate(SuccessRateOrigin origin) {
          return -1;
        }
      };

  /** Which success-rate series: upstream responses, or the proxy's own connect/timeout results. */
  enum SuccessRateOrigin {
    EXTERNAL,
    LOCAL
  }

  /** The upstream answered with this HTTP status (5xx and 502/503/504 count as failures). */
  void putHttpResponseCode(int code);

  /**
   * A local-origin or non-HTTP result. Without {@code split_external_local_origin_errors} it is
   * mapped to an HTTP status as Envoy maps it (connect failure 503, timeout 504); with it, local
   * failures go to their own consecutive and success-rate detectors.
   */
  void putResult(OutlierResult result);

  /**
   * Envoy's {@code putResult(result, code)}: without the split the code is reported as the status;
   * with it the result alone counts.
   */
  void putResult(OutlierResult result, int httpCode);

  /** Envoy accepts response times but no detector uses them yet; neither does Attaché. */
  void putResponseTime(Duration elapsed);

  /** How many times the host has been ejected (for /clusters). */
  int numEjections();

  /**
   * The host's success rate in the last complete interval, as computed by the last sweep, or -1
   * when it had too few requests (Envoy's {@code success_rate} on /clusters).
   */
  double successRate(SuccessRateOrigin origin);
}
