package io.attache.dataplane.tracing;

/**
 * Why a request is (or is not) traced, in Envoy's vocabulary: forced by the client ({@code
 * x-client-trace-id} within {@code client_sampling}), forced by a service ({@code
 * x-envoy-force-trace}), picked by {@code random_sampling}, or not at all.
 */
public enum TraceReason {
  NOT_TRACEABLE,
  SAMPLING,
  SERVICE_FORCED,
  CLIENT_FORCED;

  public boolean traced() {
    return this != NOT_TRACEABLE;
  }
}
