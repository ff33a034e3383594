package io.attache.dataplane.upstream;

import io.attache.dataplane.time.Scheduler.ScheduledTask;
import io.attache.dataplane.upstream.ClusterDefinition.OriginalDstSettings;
import io.attache.dataplane.upstream.host.Host;
import io.attache.dataplane.upstream.host.HostHealth;
import io.attache.dataplane.upstream.host.HostStats;
import io.attache.dataplane.upstream.host.Locality;
import io.attache.dataplane.upstream.lb.LbContext;
import io.attache.dataplane.upstream.lb.LoadBalancer;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An ORIGINAL_DST cluster's hosts and its balancer in one, as in Envoy: a pick makes (or reuses)
 * the host at the request's {@code x-envoy-original-dst-host} header (with {@code use_http_header})
 * or else at the downstream connection's original destination (only when {@code original_dst}
 * restored it), its port replaced by {@code upstream_port_override}; every {@code cleanup_interval}
 * a host not picked since the previous sweep and with no connection or request left is dropped. No
 * original destination: no host ("no healthy upstream"). Picks are lock-free for known hosts; a new
 * host takes this object's lock and the cluster's to publish, never I/O.
 */
final class OriginalDstHosts implements HostDiscovery, LoadBalancer {
  private static final Logger log = LoggerFactory.getLogger(OriginalDstHosts.class);

  private static final class Tracked {
    final Host host;
    volatile boolean used = true;

    Tracked(Host host) {
      this.host = host;
    }
  }

  private final String clusterName;
  private final OriginalDstSettings settings;
  private final UpstreamContext context;
  private final ClusterStats stats;
  private final Consumer<List<Host>> listener;
  private final Map<InetSocketAddress, Tracked> hosts = new ConcurrentHashMap<>();
  private ScheduledTask sweep = ScheduledTask.NONE;
  private boolean closed;

  OriginalDstHosts(
      ClusterDefinition definition,
      UpstreamContext context,
      ClusterStats stats,
      Consumer<List<Host>> listener) {
    this.clusterName = definition.name();
    this.settings = definition.originalDst();
    this.context = context;
    this.stats = stats;
    this.listener = listener;
  }

  @Override
  public synchronized void start() {
    listener.accept(List.of());
    scheduleSweep();
  }

  @Override
  public CompletableFuture<Void> initialized() {
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public synchronized void close() {
    closed = true;
    sweep.cancel();
  }

  @Override
  public Optional<Host> chooseHost(LbContext lbContext) {
    InetSocketAddress destination = destination(lbContext.downstream());
    if (destination == null) {
      log.debug("cluster {}: no original destination and no override header", clusterName);
      return Optional.empty();
    }
    Tracked known = hosts.get(destination);
    if (known != null) {
      known.used = true;
      return Optional.of(known.host);
    }
    return Optional.of(add(destination));
  }

  private InetSocketAddress destination(LbContext.Downstream downstream) {
    InetSocketAddress found = null;
    if (settings.httpHeaderName().isPresent()) {
      Optional<String> value = downstream.requestHeader(settings.httpHeaderName().get());
      if (value.isPresent()) {
        found = ipAndPort(value.get());
        if (found == null) {
          stats.originalDstHostInvalid().inc();
          log.debug("cluster {}: invalid override header value '{}'", clusterName, value.get());
        }
      }
    }
    if (found == null) {
      found = downstream.restoredLocalAddress().orElse(null);
    }
    if (found != null && settings.upstreamPortOverride() != 0) {
      found = new InetSocketAddress(found.getAddress(), settings.upstreamPortOverride());
    }
    return found;
  }

  /** {@code 10.0.0.1:80} or {@code [fd00::1]:80}: an IP literal and a port, nothing else. */
  static InetSocketAddress ipAndPort(String value) {
    int colon = value.lastIndexOf(':');
    if (colon <= 0 || colon == value.length() - 1) {
      return null;
    }
    String ip = value.substring(0, colon);
    if (ip.startsWith("[") && ip.endsWith("]")) {
      ip = ip.substring(1, ip.length() - 1);
    } else if (ip.indexOf(':') >= 0) {
      return null; // an IPv6 address must be bracketed
    }
    int port;
    try {
      port = Integer.parseInt(value.substring(colon + 1));
    } catch (NumberFormatException e) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(ip);
    if (bytes == null || port < 0 || port > 65535) {
      return null;
    }
    try {
      return new InetSocketAddress(InetAddress.getByAddress(bytes), port);
    } catch (UnknownHostException impossible) {
      return null;
    }
  }

  private synchronized Host add(InetSocketAddress destination) {
    Tracked tracked = hosts.get(destination);
    if (tracked == null) {
      tracked =
          new Tracked(
              new Host(destination, "", 1, Locality.NONE, 0, HostHealth.HEALTHY, new HostStats()));
      hosts.put(destination, tracked);
      log.debug("cluster {}: new host {}", clusterName, destination);
      publish();
    }
    tracked.used = true;
    return tracked.host;
  }

  /** Drops the hosts nobody picked since the last sweep and nobody still uses. */
  synchronized void sweep() {
    if (closed) {
      return;
    }
    boolean removed = false;
    for (Tracked tracked : new ArrayList<>(hosts.values())) {
      if (tracked.used) {
        tracked.used = false; // goes at the next sweep unless picked again
      } else if (tracked.host.stats().cxActive() == 0 && tracked.host.stats().rqActive() == 0) {
        hosts.remove(tracked.host.address());
        log.debug("cluster {}: removed idle host {}", clusterName, tracked.host.address());
        removed = true;
      }
    }
    if (removed) {
      publish();
    }
    scheduleSweep();
  }

  private void publish() {
    List<Host> current = new ArrayList<>();
    hosts.values().forEach(t -> current.add(t.host));
    listener.accept(List.copyOf(current));
  }

  private void scheduleSweep() {
    sweep = context.scheduler().schedule(settings.cleanupInterval(), this::sweep);
  }
}
