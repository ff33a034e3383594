package io.attache.dataplane.outlier;

/**
 * Asked once per request before a host is picked, and told how the request ended. Stock Envoy has
 * no such gate ({@link #ADMIT_ALL}); the opt-in strict mode lets exactly one probe through after
 * the sleep window. Safe from any event loop; never blocks beyond a short lock.
 */
public interface BreakerGate {
  /** What the gate says about one request. */
  enum Admission {
    ADMIT,
    /** The breaker is OPEN: fail fast (503, no upstream touched). */
    REJECT_OPEN,
    /** HALF_OPEN and its one probe is still out: fail fast too. */
    REJECT_PROBE_IN_FLIGHT
  }

  BreakerGate ADMIT_ALL =
      new BreakerGate() {
        @Override
        public Admission tryAdmit() {
          return Admission.ADMIT;
        }

        @Override
        public void onResult(boolean success) {}
      };

  Admission tryAdmit();

  /**
   * How an admitted request ended: success unless it failed as outlier detection counts failures
   * (5xx, reset, connect failure, timeout).
   */
  void onResult(boolean success);
}
