package io.attache.dataplane.upstream;

import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.dns.ResolvedAddress;
import io.attache.dataplane.upstream.host.Host;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A LOGICAL_DNS cluster's one logical host: the first address the configured name resolves to,
 * re-resolved on every refresh. When the address changes new connections go to the new address (a
 * new Host carrying the same per-host stats); a failed or empty answer keeps the current one, as in
 * Envoy. Callbacks may arrive on any thread; nothing here blocks.
 */
final class LogicalDnsHost implements HostDiscovery {
  private static final Logger log = LoggerFactory.getLogger(LogicalDnsHost.class);

  private final ClusterDefinition definition;
  private final UpstreamContext context;
  private final ClusterStats stats;
  private final Consumer<List<Host>> listener;
  private final LocalityEndpoints locality;
  private final EndpointDefinition endpoint;
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();
  private Host current;
  private boolean closed;
  private ScheduledTask pending = ScheduledTask.NONE;

  LogicalDnsHost(
      ClusterDefinition definition,
      UpstreamContext context,
      ClusterStats stats,
      Consumer<List<Host>> listener) {
    this.definition = definition;
    this.context = context;
    this.stats = stats;
    this.listener = listener;
    this.locality = definition.loadAssignment().endpoints().get(0);
    this.endpoint = locality.lbEndpoints().get(0);
  }

  @Override
  public void start() {
    resolve();
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return initialized;
  }

  @Override
  public synchronized void close() {
    closed = true;
    pending.cancel();
  }

  private void resolve() {
    synchronized (this) {
      if (closed) {
        return;
      }
      pending = ScheduledTask.NONE;
    }
    stats.updateAttempt().inc();
    context
        .dnsResolver()
        .resolve(endpoint.address(), definition.dns().lookupFamily())
        .whenComplete(this::onResolved);
  }

  private synchronized void onResolved(List<ResolvedAddress> answer, Throwable error) {
    if (closed) {
      return;
    }
    boolean usable = error == null && !answer.isEmpty();
    if (!usable) {
      stats.updateFailure().inc();
      log.warn(
          "cluster {}: resolving {} gave no address, keeping {}: {}",
          definition.name(),
          endpoint.address(),
          current,
          error == null ? "empty answer" : error.toString());
    } else {
      stats.updateSuccess().inc();
      ResolvedAddress first = answer.get(0);
      InetSocketAddress address = new InetSocketAddress(first.address(), endpoint.port());
      if (current != null && current.address().equals(address)) {
        stats.updateNoRebuild().inc();
      } else {
        // The one logical host keeps its stats and health flags across address changes, as in
        // Envoy.
        current = Hosts.host(locality, endpoint, first.address(), endpoint.address(), current);
        listener.accept(List.of(current));
      }
    }
    initialized.complete(null);
    pending =
        context
            .scheduler()
            .schedule(
                StrictDnsHosts.nextRefresh(definition, usable ? answer : null), this::resolve);
  }
}
