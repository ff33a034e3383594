package io.attache.dataplane.healthcheck;

import io.attache.dataplane.upstream.host.Host;
import java.util.function.Consumer;

/**
 * How a health checker reaches hosts: one {@link Connection} per checked host, which may keep its
 * socket between checks ({@code reuse_connection}). The production implementations speak HTTP/1.1
 * or TCP over Netty; tests use a fake that they complete by hand.
 */
public interface HealthProbe {
  /** The probing side of one host; nothing is opened until the first {@link Connection#check}. */
  Connection connect(Host host);

  /**
   * Checks one host. Calls are serial: the checker never starts a check before the previous one
   * completed or was aborted. Implementations must not block and may complete on any thread.
   */
  interface Connection {
    /**
     * Starts one check; {@code done} is called exactly once unless {@link #abort()} comes first.
     */
    void check(Consumer<ProbeOutcome> done);

    /** The check in flight timed out: drop it (its outcome is never reported) and the socket. */
    void abort();

    /** The host left the cluster or the checker stopped: release everything. */
    void close();
  }
}
