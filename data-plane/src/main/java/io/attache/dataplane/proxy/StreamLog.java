package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLogEntry;
import io.attache.dataplane.accesslog.HeaderLookup;
import io.attache.dataplane.accesslog.ResponseFlags;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.tracing.RequestOutcome;
import io.attache.dataplane.tracing.RequestSpan;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * The byte counts, timings and headers of one stream that its access log line and span report, and
 * the writing of both when the stream ends. Confined to the stream's event loop.
 */
final class StreamLog {
  private final ListenerContext context;
  private final DownstreamSink downstream;
  private final StreamInfo info;
  private final long startNanos;
  private final Instant startTime;
  private HttpHeaders requestHeaders = EmptyHttpHeaders.INSTANCE;
  private String method = "-";
  private String path = "-";
  private String authority = "-";
  private String scheme = "http";
  long bytesReceived;
  long bytesSent;
  long requestCompleteNanos;
  long firstResponseByteNanos;
  HttpHeaders responseHeaders = EmptyHttpHeaders.INSTANCE;
  HttpHeaders responseTrailers = EmptyHttpHeaders.INSTANCE;

  StreamLog(ListenerContext context, DownstreamSink downstream, StreamInfo info) {
    this.context = context;
    this.downstream = downstream;
    this.info = info;
    this.startNanos = context.ticker().nanoTime();
    this.startTime = context.clock().instant();
  }

  /** When the stream began, on the context's ticker. */
  long startNanos() {
    return startNanos;
  }

  /** The request line as it arrived, before any filter or the router rewrote it. */
  void requestHeaders(HttpRequest request, String scheme) {
    this.requestHeaders = request.headers();
    this.method = request.method().name();
    this.path = request.uri();
    this.authority = request.headers().get(HttpHeaderNames.HOST, "-");
    this.scheme = scheme;
  }

  /**
   * The connection manager normalised the path: Envoy rewrites {@code :path} in place before any
   * filter, so the log shows the normalised one.
   */
  void pathNormalized(String normalized) {
    this.path = normalized;
  }

  /** Finishes the span and writes the access log line. */
  void streamEnded(RequestSpan span, boolean requestComplete) {
    if (span != RequestSpan.NOOP) {
      String shortFlags = ResponseFlags.of(info.flags()).toShortString();
      RequestOutcome outcome =
          RequestOutcome.of(info.responseCode(), shortFlags, bytesReceived, bytesSent)
              .withResponse(responseHeaders, responseTrailers);
      span.finish(
          info.upstreamCluster() == null
              ? outcome
              : outcome.withUpstreamCluster(info.upstreamCluster()));
    }
    if (!context.accessLog().isEmpty()) {
      context.accessLog().log(entry(requestComplete));
    }
  }

  private AccessLogEntry entry(boolean requestComplete) {
    long now = context.ticker().nanoTime();
    HttpHeaders reqHeaders = requestHeaders;
    HttpHeaders respHeaders = responseHeaders;
    HttpHeaders trailers = responseTrailers;
    String m = method;
    String p = path;
    String a = authority;
    String sch = scheme;
    HeaderLookup requestLookup =
        name ->
            Optional.ofNullable(
                switch (name) {
                  case ":method" -> m;
                  case ":path" -> p;
                  case ":authority" -> a;
                  case ":scheme" -> sch;
                  default -> reqHeaders.get(name);
                });
    AccessLogEntry.Builder b =
        AccessLogEntry.builder()
            .startTime(startTime)
            .duration(Duration.ofNanos(now - startNanos))
            .protocol(downstream.protocol())
            .requestHeaders(requestLookup)
            .responseHeaders(name -> Optional.ofNullable(respHeaders.get(name)))
            .responseTrailers(name -> Optional.ofNullable(trailers.get(name)))
            .responseCode(info.responseCode())
            .responseCodeDetails(info.responseCodeDetails())
            .responseFlags(ResponseFlags.of(info.flags()))
            .bytesReceived(bytesReceived)
            .bytesSent(bytesSent)
            .upstreamRequestAttemptCount(info.attemptCount())
            .downstreamRemoteAddress(downstream.remoteAddress())
            .downstreamLocalAddress(downstream.localAddress())
            .dynamicMetadata(info.dynamicMetadata());
    if (requestComplete) {
      b.requestDuration(Duration.ofNanos(requestCompleteNanos - startNanos));
    }
    if (firstResponseByteNanos > 0) {
      b.responseDuration(Duration.ofNanos(firstResponseByteNanos - startNanos));
    }
    if (info.upstreamCluster() != null) {
      b.upstreamCluster(info.upstreamCluster());
    }
    if (info.upstreamHost() != null) {
      b.upstreamHost(info.upstreamHost());
    }
    if (info.routeName() != null) {
      b.routeName(info.routeName());
    }
    return b.build();
  }
}
