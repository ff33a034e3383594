package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.drain.DrainDecision;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.UserAgent;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.overload.OverloadState;
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
 * @param bufferLimitBytes each stream's initial buffer limit: the listener's {@code
 *     per_connection_buffer_limit_bytes} (Envoy's default 1 MiB)
 * @param drainDecision whether the listener's connections should close now (the server drains)
 * @param overload the overload manager's action states ({@code stop_accepting_requests}, {@code
 *     disable_http_keepalive})
 * @param userAgent the HCM's {@code add_user_agent} with this proxy's node
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
    Optional<ServerTlsContext> tls,
    long bufferLimitBytes,
    DrainDecision drainDecision,
    OverloadState overload,
    UserAgent userAgent) {
  /** Envoy's default {@code per_connection_buffer_limit_bytes}. */
  public static final long DEFAULT_BUFFER_LIMIT_BYTES = 1024 * 1024;

  /**
   * A context with Envoy's default buffer limit, of a listener that never drains, without an
   * overload manager.
   */
  public ListenerContext(
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
      Optional<ServerTlsContext> tls) {
    this(
        hcm,
        httpFilters,
        stats,
        http1Front,
        http2Front,
        accessLog,
        tracer,
        random,
        ticker,
        clock,
        tls,
        DEFAULT_BUFFER_LIMIT_BYTES,
        DrainDecision.NEVER,
        OverloadState.NONE,
        UserAgent.OFF);
  }
}
