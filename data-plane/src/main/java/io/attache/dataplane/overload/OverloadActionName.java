package io.attache.dataplane.overload;

import java.util.Arrays;
import java.util.Optional;

/** The overload actions Attaché runs, by Envoy's names. */
public enum OverloadActionName {
  /** New requests get 503 {@code envoy overloaded}, response flag {@code OM}. */
  STOP_ACCEPTING_REQUESTS("envoy.overload_actions.stop_accepting_requests"),
  /** Responses close HTTP/1.1 connections and GOAWAY HTTP/2 ones (Envoy's drain sequence). */
  DISABLE_HTTP_KEEPALIVE("envoy.overload_actions.disable_http_keepalive"),
  /** Every 10 s while saturated, the heap's free memory goes back to the operating system. */
  SHRINK_HEAP("envoy.overload_actions.shrink_heap");

  private final String envoyName;

  OverloadActionName(String envoyName) {
    this.envoyName = envoyName;
  }

  public String envoyName() {
    return envoyName;
  }

  public static Optional<OverloadActionName> of(String envoyName) {
    return Arrays.stream(values()).filter(a -> a.envoyName.equals(envoyName)).findFirst();
  }
}
