package io.attache.dataplane.upstream;

import java.util.concurrent.CompletableFuture;

/**
 * Where a running cluster's hosts come from (the config itself, or DNS). Publishes each new host
 * list to the cluster; must never block the thread that starts it.
 */
interface HostDiscovery {
  /** Publishes the first host list now or starts resolving it. */
  void start();

  /** Completes once every name had its first resolution attempt, successful or not. */
  CompletableFuture<Void> initialized();

  /** Stops all refreshes; late answers are dropped. */
  void close();
}
