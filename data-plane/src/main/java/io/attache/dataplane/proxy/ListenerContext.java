package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.tls.ServerTlsContext;
import io.attache.dataplane.tracing.Tracer;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * Everything the streams of one listener share: its HCM config, its running HTTP filter chain (the
 * router last), stats, the access-log sink, the injected time and randomness, and the TLS
 * termination of its filter chain. Immutable; swapped whole on a config change.
 *
 * @param tls empty for a plaintext listener
 */
public record ListenerContext(
    HttpConnectionManagerConfig hcm,
    List<FilterChainEntry> httpFilters,
    HcmStats stats,
    Http1ServerCodecFactory http1Front,
    Http2ServerCodecFactory http2Front,
    AccessLoggers accessLog,
    Tracer tracer,
    RandomSource random,
    Ticker ticker,
    Clock clock,
    Optional<ServerTlsContext> tls) {}
