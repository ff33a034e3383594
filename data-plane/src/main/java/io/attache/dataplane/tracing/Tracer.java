package io.attache.dataplane.tracing;

import io.attache.dataplane.time.RandomSource;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A connection manager's tracer: decides sampling, continues an incoming trace or starts one (W3C
 * Trace Context for the OpenTelemetry provider, B3 for Zipkin: {@link Propagation}), and builds
 * spans with Envoy's standard tags. Shared by all the listener's event loops; holds no per-request
 * state and never blocks. {@link #DISABLED} is the tracer of a connection manager without {@code
 * tracing}.
 */
public final class Tracer {
  public static final Tracer DISABLED = new Tracer();

  private static final String GRPC_TIMEOUT_HEADER = "grpc-timeout";
  private static final String ORIGINAL_PATH = "x-envoy-original-path";
  private static final String REQUEST_ID = "x-request-id";

  private final TracingConfig config;
  private final LocalInfo localInfo;
  private final SpanSink sink;
  private final RandomSource random;
  private final Clock clock;
  private final ActiveStreams streams;
  private final Propagation propagation;
  private final SkyWalkingSegment.SegmentReporter segments;
  private final SkyWalkingTracerConfig skyWalking;

  private Tracer() {
    this(null, LocalInfo.UNKNOWN, SpanSink.DISCARD, RandomSource.SYSTEM, Clock.systemUTC());
  }

  /**
   * @param sink receives finished sampled spans (the {@link BatchingSpanExporter} in production)
   * @param clock wall-clock time for span timestamps
   */
  public Tracer(
      TracingConfig config, LocalInfo localInfo, SpanSink sink, RandomSource random, Clock clock) {
    this(config, localInfo, sink, null, null, random, clock, ActiveStreams.UNTRACKED);
  }

  /**
   * The tracer of a connection manager whose provider is SkyWalking: each request's segment goes to
   * {@code segments} once its last span has ended.
   *
   * @param skyWalking the provider's config with the node's defaults filled in ({@link
   *     SkyWalkingTracerConfig#withNodeDefaults})
   */
  Tracer(
      TracingConfig config,
      LocalInfo localInfo,
      SkyWalkingTracerConfig skyWalking,
      SkyWalkingSegment.SegmentReporter segments,
      RandomSource random,
      Clock clock) {
    this(
        config,
        localInfo,
        SpanSink.DISCARD,
        segments,
        skyWalking,
        random,
        clock,
        ActiveStreams.UNTRACKED);
  }

  private Tracer(
      TracingConfig config,
      LocalInfo localInfo,
      SpanSink sink,
      SkyWalkingSegment.SegmentReporter segments,
      SkyWalkingTracerConfig skyWalking,
      RandomSource random,
      Clock clock,
      ActiveStreams streams) {
    this.config = config;
    this.localInfo = localInfo;
    this.sink = sink;
    this.segments = segments;
    this.skyWalking = skyWalking;
    this.random = random;
    this.clock = clock;
    this.streams = streams;
    this.propagation =
        config == null
            ? new W3cPropagation(random)
            : config.datadog().isPresent()
                ? new DatadogPropagation(random, clock)
                : config
                    .zipkin()
                    .<Propagation>map(
                        zipkin ->
                            new B3Propagation(
                                random, zipkin.traceId128Bit(), zipkin.sharedSpanContext()))
                    .orElseGet(() -> new W3cPropagation(random));
  }

  /**
   * This tracer, counting every request span it hands out (sampled, unsampled or untraced) in
   * {@code streams} until the span is finished: how a retired listener context knows its last
   * stream is done.
   */
  public Tracer countingStreamsIn(ActiveStreams streams) {
    if (streams == this.streams) {
      return this;
    }
    return new Tracer(config, localInfo, sink, segments, skyWalking, random, clock, streams);
  }

  /**
   * Builds the tracer a connection manager's config asks for: {@link #DISABLED} without a provider.
   */
  public static Tracer forConfig(
      Optional<TracingConfig> config,
      LocalInfo localInfo,
      SpanSink sink,
      RandomSource random,
      Clock clock) {
    if (config.isEmpty() || !config.get().hasProvider()) {
      return DISABLED;
    }
    return new Tracer(config.get(), localInfo, sink, random, clock);
  }

  /**
   * The tracer of a connection manager whose provider is SkyWalking ({@link SkyWalkingReporter}).
   */
  public static Tracer forSkyWalking(
      TracingConfig config,
      LocalInfo localInfo,
      SkyWalkingTracerConfig skyWalking,
      SkyWalkingReporter reporter,
      RandomSource random,
      Clock clock) {
    return new Tracer(config, localInfo, skyWalking, reporter, random, clock);
  }

  public boolean enabled() {
    return config != null;
  }

  /**
   * Starts the span of one downstream request, after the connection manager has set {@code
   * x-request-id} and {@code x-forwarded-proto}. An invalid {@code traceparent} (and any {@code
   * tracestate} with it) is removed from {@code request}'s headers here.
   *
   * @param protocol the downstream protocol as Envoy prints it ({@code HTTP/1.1}, {@code HTTP/2})
   * @param downstreamRemote the directly connected peer
   */
  public RequestSpan startRequestSpan(
      HttpRequest request, String protocol, InetSocketAddress downstreamRemote) {
    return startRequestSpan(request, protocol, downstreamRemote, reason -> {});
  }

  /**
   * As {@link #startRequestSpan(HttpRequest, String, InetSocketAddress)}, telling {@code decided}
   * why the request is (not) traced, once, when this tracer is enabled: what Envoy counts in the
   * connection manager's {@code tracing.*} stats.
   */
  public RequestSpan startRequestSpan(
      HttpRequest request,
      String protocol,
      InetSocketAddress downstreamRemote,
      Consumer<TraceReason> decided) {
    if (streams == ActiveStreams.UNTRACKED) {
      return requestSpan(request, protocol, downstreamRemote, decided);
    }
    RequestSpan span = requestSpan(request, protocol, downstreamRemote, decided);
    streams.started();
    return new CountedSpan(span, streams);
  }

  private RequestSpan requestSpan(
      HttpRequest request,
      String protocol,
      InetSocketAddress downstreamRemote,
      Consumer<TraceReason> decided) {
    if (config == null) {
      return RequestSpan.NOOP;
    }
    HttpHeaders headers = request.headers();
    TraceReason reason = config.sampling().decide(headers, random);
    decided.accept(reason);
    if (skyWalking != null) {
      return skyWalkingSpan(request, protocol, downstreamRemote, reason);
    }
    SpanKind kind = config.downstreamSpanKind();
    Optional<Propagation.SpanIdentity> identity = propagation.downstream(headers, reason, kind);
    if (identity.isEmpty()) {
      return RequestSpan.NOOP;
    }
    Propagation.SpanIdentity ids = identity.get();
    RecordingSpan span =
        new RecordingSpan(
            ids.traceId(),
            ids.spanId(),
            ids.parentSpanId(),
            ids.traceState(),
            ids.sampled(),
            defaultOperationName(headers),
            kind,
            propagation,
            RecordingSpan.epochNanos(clock));
    span.setTag(Tags.NODE_ID, localInfo.nodeId());
    span.setTag(Tags.ZONE, localInfo.zone());
    tagRequest(span, request, protocol, downstreamRemote);
    return new DownstreamSpan(span, headers, propagation, sink);
  }

  /**
   * As Envoy's SkyWalking driver: an {@code sw8} header is always continued (a request Envoy would
   * not trace is then reported with {@code skipAnalysis}); without one, an untraced request gets no
   * span, a traced one a new trace. A malformed {@code sw8} means no span. The Entry span is named
   * after the request path until a route decorator renames it.
   */
  private RequestSpan skyWalkingSpan(
      HttpRequest request, String protocol, InetSocketAddress remote, TraceReason reason) {
    String incoming = request.headers().get(Sw8Header.NAME);
    Optional<Sw8Header> parent = Optional.empty();
    if (incoming == null) {
      if (!reason.traced()) {
        return RequestSpan.NOOP;
      }
    } else {
      parent = Sw8Header.parse(incoming);
      if (parent.isEmpty()) {
        return RequestSpan.NOOP;
      }
    }
    SkyWalkingSegment segment =
        new SkyWalkingSegment(skyWalking, parent, !reason.traced(), random, segments);
    RecordingSpan span =
        new RecordingSpan(
            segment.traceId(),
            "0",
            "",
            "",
            true,
            request.uri(),
            SpanKind.SERVER,
            segment,
            RecordingSpan.epochNanos(clock));
    segment.entry(span);
    span.setTag(Tags.NODE_ID, localInfo.nodeId());
    span.setTag(Tags.ZONE, localInfo.zone());
    tagRequest(span, request, protocol, remote);
    return new DownstreamSpan(span, request.headers(), segment, segment);
  }

  private String defaultOperationName(HttpHeaders headers) {
    return config.operationName() == OperationName.EGRESS
        ? "egress " + headers.get(HttpHeaderNames.HOST, "")
        : "ingress";
  }

  private void tagRequest(
      RecordingSpan span, HttpRequest request, String protocol, InetSocketAddress remote) {
    HttpHeaders headers = request.headers();
    String requestId = headers.get(REQUEST_ID);
    if (requestId != null) {
      span.setTag(Tags.GUID_X_REQUEST_ID, requestId);
    }
    span.setTag(Tags.HTTP_URL, url(request));
    span.setTag(Tags.HTTP_METHOD, request.method().name());
    span.setTag(Tags.DOWNSTREAM_CLUSTER, headers.get("x-envoy-downstream-service-cluster", "-"));
    span.setTag(Tags.USER_AGENT, headers.get(HttpHeaderNames.USER_AGENT, "-"));
    span.setTag(Tags.HTTP_PROTOCOL, protocol);
    if (remote != null) {
      span.setTag(
          Tags.PEER_ADDRESS,
          remote.getAddress() != null
              ? remote.getAddress().getHostAddress()
              : remote.getHostString());
    }
    String clientTraceId = headers.get(SamplingPolicy.CLIENT_TRACE_ID);
    if (clientTraceId != null) {
      span.setTag(Tags.GUID_X_CLIENT_TRACE_ID, clientTraceId);
    }
    if (isGrpc(headers)) {
      span.setTag(Tags.GRPC_PATH, request.uri());
      tagIfPresent(span, Tags.GRPC_AUTHORITY, headers.get(HttpHeaderNames.HOST));
      tagIfPresent(span, Tags.GRPC_CONTENT_TYPE, headers.get(HttpHeaderNames.CONTENT_TYPE));
      tagIfPresent(span, Tags.GRPC_TIMEOUT, headers.get(GRPC_TIMEOUT_HEADER));
    }
  }

  /** Envoy's original URI: forwarded proto, host, and the (pre-rewrite) path cut to the limit. */
  private String url(HttpRequest request) {
    HttpHeaders headers = request.headers();
    String path = headers.get(ORIGINAL_PATH, request.uri());
    if (path.length() > config.maxPathTagLength()) {
      path = path.substring(0, config.maxPathTagLength());
    }
    return headers.get("x-forwarded-proto", "http")
        + "://"
        + headers.get(HttpHeaderNames.HOST, "")
        + path;
  }

  private static boolean isGrpc(HttpHeaders headers) {
    return headers
        .get(HttpHeaderNames.CONTENT_TYPE, "")
        .toLowerCase(Locale.ROOT)
        .startsWith("application/grpc");
  }

  private static void tagIfPresent(RecordingSpan span, String tag, String value) {
    if (value != null) {
      span.setTag(tag, value);
    }
  }

  private void tagCommon(
      RecordingSpan span,
      Optional<String> cluster,
      int responseCode,
      String responseFlags,
      HttpHeaders requestHeaders) {
    span.setTag(Tags.COMPONENT, Tags.PROXY);
    cluster.ifPresent(
        name -> {
          span.setTag(Tags.UPSTREAM_CLUSTER, name);
          span.setTag(Tags.UPSTREAM_CLUSTER_NAME, name);
        });
    span.setTag(Tags.HTTP_STATUS_CODE, Integer.toString(responseCode));
    span.setTag(Tags.RESPONSE_FLAGS, responseFlags.isEmpty() ? "-" : responseFlags);
    if (responseCode == 0 || (responseCode >= 500 && responseCode < 600)) {
      span.setTag(Tags.ERROR, Tags.TRUE);
    }
    for (CustomTag tag : config.customTags()) {
      tag.valueFor(requestHeaders).ifPresent(value -> span.setTag(tag.tag(), value));
    }
  }

  private static void tagGrpcResponse(RecordingSpan span, HttpHeaders headers) {
    String status = headers.get("grpc-status");
    if (status == null) {
      return;
    }
    span.setTag(Tags.GRPC_STATUS_CODE, status);
    tagIfPresent(span, Tags.GRPC_MESSAGE, headers.get("grpc-message"));
    if (isServerSideGrpcError(status)) {
      span.setTag(Tags.ERROR, Tags.TRUE);
    }
  }

  /** gRPC codes Envoy counts as upstream errors (the rest are the client's fault). */
  private static boolean isServerSideGrpcError(String status) {
    return switch (status.strip()) {
      case "2", "4", "12", "8", "13", "14", "15" -> true;
      default -> false;
    };
  }

  private static String formatAddress(InetSocketAddress address) {
    String host =
        address.getAddress() != null
            ? address.getAddress().getHostAddress()
            : address.getHostString();
    return host.indexOf(':') >= 0
        ? "[" + host + "]:" + address.getPort()
        : host + ":" + address.getPort();
  }

  /** The downstream request's span. */
  private final class DownstreamSpan implements RequestSpan {
    private final RecordingSpan span;
    private final HttpHeaders requestHeaders;
    private final Injector injector;
    private final SpanSink spans;

    /**
     * @param injector the tracer's propagation, or the request's own SkyWalking segment
     * @param spans where this request's finished spans go
     */
    DownstreamSpan(
        RecordingSpan span, HttpHeaders requestHeaders, Injector injector, SpanSink spans) {
      this.span = span;
      this.requestHeaders = requestHeaders;
      this.injector = injector;
      this.spans = spans;
    }

    @Override
    public String traceId() {
      return span.traceId;
    }

    @Override
    public String spanId() {
      return span.spanId;
    }

    @Override
    public boolean sampled() {
      return span.sampled;
    }

    /** A route decorator renames the span; Envoy 1.40's SkyWalking Entry span keeps its path. */
    @Override
    public void setOperationName(String name) {
      if (skyWalking == null) {
        span.setName(name);
      }
    }

    @Override
    public void injectInto(HttpHeaders upstreamHeaders) {
      span.injectInto(upstreamHeaders, "", "");
    }

    @Override
    public AttemptSpan startAttempt(int attempt, String clusterName) {
      if (!config.spawnUpstreamSpan()) {
        return new PassThroughAttempt(span);
      }
      SpanKind kind = SpanKind.CLIENT;
      String spanId = null;
      String parentSpanId = span.spanId;
      if (config.zipkin().isPresent() && !config.independentHop()) {
        // Envoy's Zipkin tracer: a child of the router's start_child_span alone takes its kind
        // from the traffic direction, and a SERVER one shares its parent's ids.
        kind = config.downstreamSpanKind();
        if (kind == SpanKind.SERVER && config.zipkin().get().sharedSpanContext()) {
          spanId = span.spanId;
          parentSpanId = span.parentSpanId;
        }
      }
      RecordingSpan child =
          new RecordingSpan(
              span.traceId,
              spanId != null ? spanId : injector.newSpanId(),
              parentSpanId,
              span.traceState,
              span.sampled,
              // SkyWalking's Exit span starts with its parent's name; the others use Envoy's
              skyWalking != null ? span.name() : "router " + clusterName + " egress",
              kind,
              injector,
              RecordingSpan.epochNanos(clock));
      if (attempt > 1) {
        child.setTag(Tags.RETRY_COUNT, Integer.toString(attempt - 1));
      }
      return new UpstreamAttempt(child, clusterName, requestHeaders, spans);
    }

    @Override
    public void finish(RequestOutcome outcome) {
      span.setTag(Tags.REQUEST_SIZE, Long.toString(outcome.bytesReceived()));
      span.setTag(Tags.RESPONSE_SIZE, Long.toString(outcome.bytesSent()));
      tagCommon(
          span,
          outcome.upstreamCluster(),
          outcome.responseCode(),
          outcome.responseFlags(),
          requestHeaders);
      tagGrpcResponse(span, outcome.responseHeaders());
      tagGrpcResponse(span, outcome.responseTrailers());
      SpanData data = span.end(clock);
      if (data != null) {
        spans.accept(data);
      }
    }
  }

  /**
   * The target of an upstream request as Envoy's tracers name it: the host's {@code ip:port}, else
   * the request's {@code :authority}.
   */
  private static String target(HttpHeaders headers, InetSocketAddress upstream) {
    return upstream != null ? formatAddress(upstream) : headers.get(HttpHeaderNames.HOST, "");
  }

  /** An attempt without a span of its own: upstream sees the request span as its parent. */
  private static final class PassThroughAttempt implements AttemptSpan {
    private final RecordingSpan parent;

    PassThroughAttempt(RecordingSpan parent) {
      this.parent = parent;
    }

    @Override
    public void injectInto(HttpHeaders upstreamHeaders, String path, InetSocketAddress upstream) {
      parent.injectInto(upstreamHeaders, path, target(upstreamHeaders, upstream));
    }

    @Override
    public void finish(AttemptOutcome outcome) {}
  }

  /** A CLIENT span for one upstream attempt ({@code spawn_upstream_span}). */
  private final class UpstreamAttempt implements AttemptSpan {
    private final RecordingSpan span;
    private final String clusterName;
    private final HttpHeaders requestHeaders;
    private final SpanSink spans;

    UpstreamAttempt(
        RecordingSpan span, String clusterName, HttpHeaders requestHeaders, SpanSink spans) {
      this.span = span;
      this.clusterName = clusterName;
      this.requestHeaders = requestHeaders;
      this.spans = spans;
    }

    @Override
    public void injectInto(HttpHeaders upstreamHeaders, String path, InetSocketAddress upstream) {
      span.injectInto(upstreamHeaders, path, target(upstreamHeaders, upstream));
    }

    @Override
    public void finish(AttemptOutcome outcome) {
      span.setTag(Tags.HTTP_PROTOCOL, outcome.protocol());
      outcome
          .upstreamAddress()
          .ifPresent(
              address -> {
                span.setTag(Tags.UPSTREAM_ADDRESS, formatAddress(address));
                span.setTag(Tags.PEER_ADDRESS, formatAddress(address));
              });
      tagCommon(
          span,
          Optional.of(clusterName),
          outcome.responseCode(),
          outcome.responseFlags(),
          requestHeaders);
      SpanData data = span.end(clock);
      if (data != null) {
        spans.accept(data);
      }
    }
  }

  /** A request span that tells {@link ActiveStreams} when its stream finished; once. */
  private static final class CountedSpan implements RequestSpan {
    private final RequestSpan span;
    private final ActiveStreams streams;
    private boolean finished; // only the stream's event loop touches it

    CountedSpan(RequestSpan span, ActiveStreams streams) {
      this.span = span;
      this.streams = streams;
    }

    @Override
    public String traceId() {
      return span.traceId();
    }

    @Override
    public String spanId() {
      return span.spanId();
    }

    @Override
    public boolean sampled() {
      return span.sampled();
    }

    @Override
    public void setOperationName(String name) {
      span.setOperationName(name);
    }

    @Override
    public void injectInto(HttpHeaders upstreamHeaders) {
      span.injectInto(upstreamHeaders);
    }

    @Override
    public AttemptSpan startAttempt(int attempt, String clusterName) {
      return span.startAttempt(attempt, clusterName);
    }

    @Override
    public void finish(RequestOutcome outcome) {
      if (finished) {
        return;
      }
      finished = true;
      try {
        span.finish(outcome);
      } finally {
        streams.finished();
      }
    }
  }
}
