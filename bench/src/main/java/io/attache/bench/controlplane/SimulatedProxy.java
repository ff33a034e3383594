package io.attache.bench.controlplane;

import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.Channel;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One simulated proxy: one ADS stream on which it subscribes, as Envoy does, to every cluster (CDS)
 * and listener (LDS), to the EDS names of its clusters, and to the {@code outbound} route
 * configuration (RDS), and ACKs every response. Its state is guarded by its own monitor, which the
 * stream's callbacks and the harness's {@link #arm()} both take; it never blocks inside it.
 */
abstract class SimulatedProxy {
  static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  static final String EDS = Resources.V3.ENDPOINT_TYPE_URL;
  static final String LDS = Resources.V3.LISTENER_TYPE_URL;
  static final String RDS = Resources.V3.ROUTE_TYPE_URL;

  /** The route configuration the outbound listener of a sidecar refers to. */
  static final String ROUTE = "outbound";

  protected final Node node;
  private final RoundTracker tracker;
  private final Set<String> ackedTypes = new HashSet<>();
  protected List<String> edsNames = List.of();
  private String routeVersion = "";
  private String armedRouteVersion;
  private boolean ready;
  private boolean countedThisRound = true;

  SimulatedProxy(Node node, RoundTracker tracker) {
    this.node = node;
    this.tracker = tracker;
  }

  static SimulatedProxy of(Api api, Node node, RoundTracker tracker) {
    return switch (api) {
      case SOTW -> new SotwProxy(node, tracker);
      case DELTA -> new DeltaProxy(node, tracker);
    };
  }

  /** Opens the stream and sends the first subscriptions. */
  abstract void start(Channel channel);

  /** Remembers the route version held now; the round ends for this proxy when it ACKs another. */
  final synchronized void arm() {
    armedRouteVersion = routeVersion;
    countedThisRound = false;
  }

  /** Called, with the monitor held, right after a response of {@code typeUrl} was ACKed. */
  protected final void acked(String typeUrl, long ackedAtNanos) {
    ackedTypes.add(typeUrl);
    if (!ready
        && ackedTypes.containsAll(List.of(CDS, LDS, RDS))
        && (edsNames.isEmpty() || ackedTypes.contains(EDS))) {
      ready = true;
      tracker.proxyReady();
    }
  }

  /** Called, with the monitor held, after ACKing a response that carried the route config. */
  protected final void routeAcked(String version, long ackedAtNanos) {
    routeVersion = version;
    if (!countedThisRound && !version.equals(armedRouteVersion)) {
      countedThisRound = true;
      tracker.converged(ackedAtNanos);
    }
  }

  protected final void failed(Throwable error) {
    tracker.failed(node.getId() + ": " + error);
  }
}
