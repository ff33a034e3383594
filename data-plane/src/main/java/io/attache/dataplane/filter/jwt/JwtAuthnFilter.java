package io.attache.dataplane.filter.jwt;

import io.attache.dataplane.cluster.ClusterHandle;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.stats.Counter;
import java.time.Clock;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The jwt_authn filter of one HTTP connection manager: its config, each provider's key cache, the
 * clusters remote keys are fetched through, the wall clock tokens are checked against, and Envoy's
 * {@code http.<stat_prefix>.jwt_authn.[<stat_prefix>]*} counters. Shared by every event loop;
 * thread-safe; never blocks.
 */
final class JwtAuthnFilter {
  final JwtAuthnConfig config;
  final Map<String, JwksCache> caches;
  final Function<String, ClusterHandle> clusters;
  final Clock clock;
  final Counter allowed;
  final Counter denied;
  final Counter corsPreflightBypassed;
  final Counter jwksFetchSuccess;
  final Counter jwksFetchFailed;

  JwtAuthnFilter(JwtAuthnConfig config, FilterFactoryContext context) {
    this.config = config;
    Map<String, JwksCache> byName = new LinkedHashMap<>();
    for (JwtProviderConfig p : config.providersInOrder()) {
      byName.put(p.name(), new JwksCache(p, context.ticker()));
    }
    this.caches = Collections.unmodifiableMap(byName);
    this.clusters = context.clusters();
    this.clock = context.clock();
    String base = "http." + context.statPrefix() + ".jwt_authn." + config.statPrefix();
    this.allowed = context.stats().counter(base + "allowed");
    this.denied = context.stats().counter(base + "denied");
    this.corsPreflightBypassed = context.stats().counter(base + "cors_preflight_bypassed");
    this.jwksFetchSuccess = context.stats().counter(base + "jwks_fetch_success");
    this.jwksFetchFailed = context.stats().counter(base + "jwks_fetch_failed");
  }
}
