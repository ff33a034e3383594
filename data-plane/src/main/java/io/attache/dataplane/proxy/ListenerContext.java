package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.fault.FaultInjector;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.listener.HttpConnectionManagerConfig;
import io.attache.dataplane.rbac.RbacFilter;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tls.ServerTlsContext;
import io.attache.dataplane.tracing.Tracer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Everything the streams of one listener share: its HCM config, the running clusters, stats, the
 * access-log sink, its HTTP filters (RBAC in chain order, fault), the injected time and randomness,
 * and the TLS termination of its filter chain. Immutable; swapped whole on a config change.
 *
 * @param tls empty for a plaintext listener
 */
public record ListenerContext(
    HttpConnectionManagerConfig hcm,
    Function<String, ClusterHandle> clusters,
    HcmStats stats,
    Http1ServerCodecFactory http1Front,
    Http2ServerCodecFactory http2Front,
    AccessLoggers accessLog,
    List<RbacFilter> rbac,
    Optional<FaultInjector> faults,
    Tracer tracer,
    RandomSource random,
    Ticker ticker,
    Clock clock,
    Optional<ServerTlsContext> tls) {}
