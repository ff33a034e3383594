package io.attache.controlplane.xds;

import java.time.Duration;

/**
 * What the xDS server reports to metrics: each ACK with how long the proxy took to accept what was
 * pushed, and each NACK, by resource type and API ({@code sotw} or {@code delta}). Called on gRPC
 * threads: implementations must be quick and never block.
 */
public interface XdsEvents {
  XdsEvents NONE =
      new XdsEvents() {
        @Override
        public void acked(String typeUrl, String api, Duration sincePush) {}

        @Override
        public void nacked(String typeUrl, String api) {}
      };

  /** A response was ACKed {@code sincePush} after it was sent. */
  void acked(String typeUrl, String api, Duration sincePush);

  /** A response was NACKed. */
  void nacked(String typeUrl, String api);
}
