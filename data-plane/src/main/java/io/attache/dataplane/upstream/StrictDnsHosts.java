package io.attache.dataplane.upstream;

import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.upstream.ClusterDefinition.EndpointDefinition;
import io.attache.dataplane.upstream.ClusterDefinition.LocalityEndpoints;
import io.attache.dataplane.upstream.dns.ResolvedAddress;
import io.attache.dataplane.upstream.host.Host;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A STRICT_DNS cluster's hosts: every address of every configured name is a host. Each name is
 * re-resolved on its own timer, every {@code dns_refresh_rate} (or at the answer's TTL with {@code
 * respect_dns_ttl}); a failed refresh keeps that name's previous hosts, an empty answer removes
 * them, as in Envoy. Callbacks may arrive on any thread; state is guarded by this object's lock and
 * nothing here blocks.
 */
final class StrictDnsHosts implements HostDiscovery {
  private static final Logger log = LoggerFactory.getLogger(StrictDnsHosts.class);

  private final ClusterDefinition definition;
  private final UpstreamContext context;
  private final ClusterStats stats;
  private final Consumer<List<Host>> listener;
  private final List<Target> targets = new ArrayList<>();
  private final CompletableFuture<Void> initialized = new CompletableFuture<>();
  private boolean closed;

  StrictDnsHosts(
      ClusterDefinition definition,
      UpstreamContext context,
      ClusterStats stats,
      Consumer<List<Host>> listener) {
    this.definition = definition;
    this.context = context;
    this.stats = stats;
    this.listener = listener;
    for (LocalityEndpoints locality : definition.loadAssignment().endpoints()) {
      for (EndpointDefinition endpoint : locality.lbEndpoints()) {
        targets.add(new Target(locality, endpoint));
      }
    }
  }

  @Override
  public void start() {
    if (targets.isEmpty()) {
      listener.accept(List.of());
      initialized.complete(null);
      return;
    }
    targets.forEach(Target::resolve);
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return initialized;
  }

  @Override
  public synchronized void close() {
    closed = true;
    targets.forEach(t -> t.pending.cancel());
  }

  private void publish() {
    List<Host> all = new ArrayList<>();
    targets.forEach(t -> all.addAll(t.hosts));
    listener.accept(List.copyOf(all));
  }

  /**
   * When to resolve again: at the answer's TTL if asked to respect it, else at the refresh rate.
   */
  static Duration nextRefresh(ClusterDefinition definition, List<ResolvedAddress> answer) {
    Duration refresh = definition.dns().refreshRate();
    if (definition.dns().respectDnsTtl() && answer != null && !answer.isEmpty()) {
      Duration ttl =
          answer.stream().map(ResolvedAddress::ttl).min(Duration::compareTo).orElseThrow();
      if (!ttl.isZero() && !ttl.isNegative()) {
        return ttl;
      }
    }
    return refresh;
  }

  /** One configured name and the hosts it resolved to last. */
  private final class Target {
    final LocalityEndpoints locality;
    final EndpointDefinition endpoint;
    List<Host> hosts = List.of();
    boolean attempted;
    ScheduledTask pending = ScheduledTask.NONE;

    Target(LocalityEndpoints locality, EndpointDefinition endpoint) {
      this.locality = locality;
      this.endpoint = endpoint;
    }

    void resolve() {
      synchronized (StrictDnsHosts.this) {
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

    void onResolved(List<ResolvedAddress> answer, Throwable error) {
      synchronized (StrictDnsHosts.this) {
        if (closed) {
          return;
        }
        if (error != null) {
          stats.updateFailure().inc();
          log.warn(
              "cluster {}: resolving {} failed, keeping {} hosts: {}",
              definition.name(),
              endpoint.address(),
              hosts.size(),
              error.toString());
        } else {
          stats.updateSuccess().inc();
          if (answer.isEmpty()) {
            stats.updateEmpty().inc();
          }
          List<Host> fresh = hostsFor(answer);
          if (Hosts.sameAddresses(fresh, hosts)) {
            stats.updateNoRebuild().inc();
          } else {
            hosts = fresh;
            publish();
          }
        }
        if (!attempted) {
          attempted = true;
          if (targets.stream().allMatch(t -> t.attempted)) {
            initialized.complete(null);
          }
        }
        pending =
            context
                .scheduler()
                .schedule(nextRefresh(definition, error == null ? answer : null), this::resolve);
      }
    }

    private List<Host> hostsFor(List<ResolvedAddress> answer) {
      Set<InetSocketAddress> seen = new LinkedHashSet<>();
      List<Host> fresh = new ArrayList<>();
      for (ResolvedAddress resolved : answer) {
        InetSocketAddress address = new InetSocketAddress(resolved.address(), endpoint.port());
        if (seen.add(address)) {
          fresh.add(
              Hosts.host(
                  locality,
                  endpoint,
                  resolved.address(),
                  endpoint.address(),
                  Hosts.sameAddress(address, hosts)));
        }
      }
      return List.copyOf(fresh);
    }
  }
}
