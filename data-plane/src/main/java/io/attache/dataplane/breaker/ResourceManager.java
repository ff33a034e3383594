package io.attache.dataplane.breaker;

import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.upstream.CircuitBreakerSettings;
import io.envoyproxy.envoy.config.core.v3.RoutingPriority;
import java.util.Locale;
import java.util.Objects;
import java.util.function.BooleanSupplier;

/**
 * The circuit breakers of one cluster at one routing priority, as Envoy's {@code
 * ResourceManagerImpl}: five counted resources with their limits, the {@code
 * cluster.<name>.circuit_breakers.<default|high>.*} gauges, and the overflow counters. Shared by
 * every event loop; all methods are thread-safe, lock-free and never block.
 *
 * <p>Who calls what (Envoy's order): the pool takes {@link #pendingRequests()} while a request
 * waits for a connection and {@link #requests()} when the request is given a stream; it asks {@link
 * #tryAcquireConnection} before connecting; the cluster asks {@link #tryAcquireConnectionPool}
 * before creating a pool; {@code RetryState} takes {@link #retries()}. Every successful acquire is
 * paired with exactly one {@link Resource#release()}.
 */
public final class ResourceManager {
  private final String statPrefix;
  private final Resource connections;
  private final Resource pendingRequests;
  private final Resource requests;
  private final Resource retries;
  private final Resource connectionPools;
  private final long maxConnectionsPerHost;

  private ResourceManager(
      String statPrefix,
      Resource connections,
      Resource pendingRequests,
      Resource requests,
      Resource retries,
      Resource connectionPools,
      long maxConnectionsPerHost) {
    this.statPrefix = statPrefix;
    this.connections = connections;
    this.pendingRequests = pendingRequests;
    this.requests = requests;
    this.retries = retries;
    this.connectionPools = connectionPools;
    this.maxConnectionsPerHost = maxConnectionsPerHost;
  }

  /**
   * Builds the resource manager for {@code priority} of cluster {@code clusterName}, registering
   * its gauges. Call once per cluster and priority (when the cluster is built), not per request.
   */
  public static ResourceManager create(
      String clusterName,
      RoutingPriority priority,
      CircuitBreakerSettings settings,
      StatsStore stats) {
    Objects.requireNonNull(clusterName);
    if (priority != RoutingPriority.DEFAULT && priority != RoutingPriority.HIGH) {
      throw new IllegalArgumentException("priority must be DEFAULT or HIGH: " + priority);
    }
    CircuitBreakerSettings.Thresholds t = settings.thresholds(priority);
    String cluster = "cluster." + clusterName + ".";
    String prefix = cluster + "circuit_breakers." + priority.name().toLowerCase(Locale.ROOT) + ".";
    boolean track = t.trackRemaining();
    Counter cxOverflow = stats.counter(cluster + OverflowDecision.CONNECTIONS.overflowStat());
    Counter pendingOverflow =
        stats.counter(cluster + OverflowDecision.PENDING_REQUESTS.overflowStat());
    Counter activeOverflow = stats.counter(cluster + OverflowDecision.REQUESTS.overflowStat());
    Counter retryOverflow = stats.counter(cluster + OverflowDecision.RETRIES.overflowStat());
    Counter poolOverflow =
        stats.counter(cluster + OverflowDecision.CONNECTION_POOLS.overflowStat());

    Resource connections =
        Resource.fixed(
            OverflowDecision.CONNECTIONS,
            cxOverflow,
            t.maxConnections(),
            stats.gauge(prefix + "cx_open"),
            track ? stats.gauge(prefix + "remaining_cx") : null);
    Resource pending =
        Resource.fixed(
            OverflowDecision.PENDING_REQUESTS,
            pendingOverflow,
            t.maxPendingRequests(),
            stats.gauge(prefix + "rq_pending_open"),
            track ? stats.gauge(prefix + "remaining_pending") : null);
    Resource requests =
        Resource.fixed(
            OverflowDecision.REQUESTS,
            activeOverflow,
            t.maxRequests(),
            stats.gauge(prefix + "rq_open"),
            track ? stats.gauge(prefix + "remaining_rq") : null);
    Resource retries =
        t.retryBudget().isPresent()
            ? Resource.budgeted(
                retryOverflow,
                t.maxRetries(),
                new RetryBudget(t.retryBudget().get(), requests, pending)::maxRetries,
                stats.gauge(prefix + "rq_retry_open"),
                track ? stats.gauge(prefix + "remaining_retries") : null)
            : Resource.fixed(
                OverflowDecision.RETRIES,
                retryOverflow,
                t.maxRetries(),
                stats.gauge(prefix + "rq_retry_open"),
                track ? stats.gauge(prefix + "remaining_retries") : null);
    Resource pools =
        Resource.fixed(
            OverflowDecision.CONNECTION_POOLS,
            poolOverflow,
            t.maxConnectionPools().orElse(Long.MAX_VALUE),
            stats.gauge(prefix + "cx_pool_open"),
            track ? stats.gauge(prefix + "remaining_cx_pools") : null);
    return new ResourceManager(
        prefix,
        connections,
        pending,
        requests,
        retries,
        pools,
        settings.perHost(priority).maxConnections().orElse(Long.MAX_VALUE));
  }

  /**
   * {@code retry_budget}, computed as Envoy's {@code RetryBudgetImpl::max()}: budget_percent of the
   * requests active plus pending, truncated, but never below min_retry_concurrency.
   */
  private record RetryBudget(
      CircuitBreakerSettings.RetryBudget settings, Resource requests, Resource pending) {
    long maxRetries() {
      long active = requests.count() + pending.count();
      long allowed = (long) (settings.budgetPercent() / 100.0 * active);
      return Math.max(allowed, settings.minRetryConcurrency());
    }
  }

  /** {@code cluster.<name>.circuit_breakers.<priority>.}, for diagnostics. */
  public String statPrefix() {
    return statPrefix;
  }

  public Resource connections() {
    return connections;
  }

  public Resource pendingRequests() {
    return pendingRequests;
  }

  public Resource requests() {
    return requests;
  }

  public Resource retries() {
    return retries;
  }

  public Resource connectionPools() {
    return connectionPools;
  }

  /** {@code per_host_thresholds.max_connections} for this priority; Long.MAX_VALUE if unset. */
  public long maxConnectionsPerHost() {
    return maxConnectionsPerHost;
  }

  /**
   * The per-host part of Envoy's {@code canCreateConnection}: may a host with {@code
   * hostActiveConnections} open get another? Counts nothing; {@link #tryAcquireConnection} counts.
   */
  public OverflowDecision checkHostConnections(long hostActiveConnections) {
    return hostActiveConnections >= maxConnectionsPerHost
        ? OverflowDecision.CONNECTIONS
        : OverflowDecision.ADMITTED;
  }

  /**
   * Before a pool opens a connection to a host: checks the host's and the cluster's connection
   * limits and, if both allow, takes one connection. On overflow counts {@code
   * upstream_cx_overflow}; then, like Envoy, a pool that has no connection at all still gets one
   * (taken over the limit, and {@link OverflowDecision#ADMITTED} is returned), so requests queued
   * on it are not stranded with no way to be served.
   *
   * @param hostActiveConnections the host's open connections now ({@code HostStats.cxActive()})
   * @param poolHasNoConnections true when the asking pool has no connection in any state
   */
  public OverflowDecision tryAcquireConnection(
      long hostActiveConnections, boolean poolHasNoConnections) {
    boolean hostAllows = checkHostConnections(hostActiveConnections).admitted();
    if (hostAllows && connections.tryTake()) {
      return OverflowDecision.ADMITTED;
    }
    connections.countOverflow();
    if (poolHasNoConnections) {
      connections.acquireOverLimit();
      return OverflowDecision.ADMITTED;
    }
    return OverflowDecision.CONNECTIONS;
  }

  /**
   * Before a new connection pool is created: takes one pool if the limit allows; otherwise asks
   * {@code freeOneIdlePool} to close an idle pool (which must release its unit) and tries once
   * more, as Envoy's {@code ConnPoolMap} does. Counts {@code upstream_cx_pool_overflow} only when
   * that fails too.
   */
  public OverflowDecision tryAcquireConnectionPool(BooleanSupplier freeOneIdlePool) {
    if (connectionPools.tryTake()) {
      return OverflowDecision.ADMITTED;
    }
    if (freeOneIdlePool.getAsBoolean() && connectionPools.tryTake()) {
      return OverflowDecision.ADMITTED;
    }
    connectionPools.countOverflow();
    return OverflowDecision.CONNECTION_POOLS;
  }
}
