package io.attache.dataplane.admin;

import io.envoyproxy.envoy.admin.v3.ServerInfo;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The flag behind Envoy's {@code POST /healthcheck/fail} and {@code /healthcheck/ok}. The HTTP
 * health-check filter answers 503 while it is FAILED, and {@code /ready} then reports DRAINING; the
 * integrator also sets it when the proxy starts draining for shutdown. Safe from any thread.
 */
public final class HealthCheckState {
  /** Whether inbound health checks are being failed on purpose. */
  public enum Status {
    OK,
    FAILED
  }

  private final AtomicReference<Status> status = new AtomicReference<>(Status.OK);

  public Status status() {
    return status.get();
  }

  public void fail() {
    status.set(Status.FAILED);
  }

  public void ok() {
    status.set(Status.OK);
  }

  /** Envoy's {@code Utility::serverState}: initialised and failing health checks is DRAINING. */
  public static ServerInfo.State serverState(ServerInitState init, Status healthCheck) {
    return switch (init) {
      case PRE_INITIALIZING -> ServerInfo.State.PRE_INITIALIZING;
      case INITIALIZING -> ServerInfo.State.INITIALIZING;
      case INITIALIZED ->
          healthCheck == Status.FAILED ? ServerInfo.State.DRAINING : ServerInfo.State.LIVE;
    };
  }
}
