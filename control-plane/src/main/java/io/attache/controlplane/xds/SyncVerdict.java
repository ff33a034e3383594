package io.attache.controlplane.xds;

/**
 * Whether a proxy runs, for one resource type, what the control plane would send it now — the words
 * of {@code istioctl proxy-status}, plus PENDING for a response still inside its grace period.
 * Declared from best to worst, so the worst of several is the greatest.
 */
public enum SyncVerdict {
  /** It ACKed exactly what the current snapshot holds for it. */
  SYNCED,
  /** Nothing was ever sent for this type on this stream. */
  NOT_SENT,
  /** Newer content was sent (or is about to be), and the stale threshold has not passed yet. */
  PENDING,
  /** Newer content has waited for an ACK longer than the stale threshold. */
  STALE,
  /** It refused the latest response; the error says why, the previous config keeps serving. */
  NACKED
}
