package io.attache.dataplane.proxy;

import io.attache.dataplane.accesslog.AccessLoggers;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterFactoryContext;
import io.attache.dataplane.filter.HttpFilterFactory;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.hcm.HttpConnectionManagerConfig;
import io.attache.dataplane.hcm.UserAgent;
import io.attache.dataplane.http.Http1ServerCodecFactory;
import io.attache.dataplane.http2.Http2ServerCodecFactory;
import io.attache.dataplane.outlier.VirtualTime;
import io.attache.dataplane.runtime.RuntimeLoader;
import io.attache.dataplane.runtime.RuntimeSnapshot;
import io.attache.dataplane.stats.StatsStore;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.tls.TlsSession;
import io.attache.dataplane.tracing.OperationName;
import io.attache.dataplane.tracing.Tracer;
import io.envoyproxy.envoy.config.bootstrap.v3.LayeredRuntime;
import io.envoyproxy.envoy.config.bootstrap.v3.RuntimeLayer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Runs connection-manager streams without sockets: a listener context built from an HCM YAML and a
 * filter chain the test chooses, a downstream that records what was written, and virtual time for
 * every timer (stream idle, route, per-try, back-off, fault delays). Single-threaded; the upstream
 * side, where a test needs one, is an {@link EmbeddedChannel} of its own.
 */
public final class StreamHarness {
  public final VirtualTime time = new VirtualTime();
  public final StatsStore stats = new StatsStore();

  /**
   * The filters' layered runtime: one empty admin layer, changed by a test as {@code
   * /runtime_modify} would ({@link RuntimeLoader#modify}).
   */
  public final RuntimeLoader runtime = new RuntimeLoader(adminLayerOnly());

  /** The proxy's health as filters see it: healthy until a test fails it. */
  public final java.util.concurrent.atomic.AtomicBoolean healthCheckFailed =
      new java.util.concurrent.atomic.AtomicBoolean();

  private final io.attache.dataplane.filter.LocalServer server =
      new io.attache.dataplane.filter.LocalServer("front-proxy", healthCheckFailed::get);

  private static RuntimeSnapshot adminLayerOnly() {
    try {
      return RuntimeSnapshot.from(
          LayeredRuntime.newBuilder()
              .addLayers(
                  RuntimeLayer.newBuilder()
                      .setName("admin")
                      .setAdminLayer(RuntimeLayer.AdminLayer.getDefaultInstance()))
              .build(),
          "layered_runtime");
    } catch (io.attache.dataplane.config.ConfigException e) {
      throw new IllegalStateException(e);
    }
  }

  public final RecordingDownstream downstream = new RecordingDownstream();
  public final io.attache.dataplane.tls.SecretStore secrets =
      new io.attache.dataplane.tls.SecretStore();
  private final ListenerContext context;
  private ActiveStream stream;

  /** What the listener's drain decision answers; a test flips it to start a drain. */
  public volatile boolean drainClose;

  /** The overload manager's action states as the streams read them; all inactive until set. */
  public final java.util.Map<io.attache.dataplane.overload.OverloadActionName, Double> overload =
      new java.util.concurrent.ConcurrentHashMap<>();

  /** The chain: {@code filters} applied to a context naming the HCM's prefix and this time. */
  public StreamHarness(
      String hcmYaml, Function<FilterFactoryContext, List<FilterChainEntry>> filters)
      throws Exception {
    this(hcmYaml, filters, RandomSource.seeded(1), name -> null);
  }

  public StreamHarness(
      String hcmYaml,
      Function<FilterFactoryContext, List<FilterChainEntry>> filters,
      RandomSource random,
      Function<String, io.attache.dataplane.cluster.ClusterHandle> clusters)
      throws Exception {
    this(hcmYaml, filters, random, clusters, OperationName.INGRESS);
  }

  /** As above, on a listener whose traffic direction makes the connection manager {@code side}. */
  public StreamHarness(
      String hcmYaml,
      Function<FilterFactoryContext, List<FilterChainEntry>> filters,
      RandomSource random,
      Function<String, io.attache.dataplane.cluster.ClusterHandle> clusters,
      OperationName side)
      throws Exception {
    HttpConnectionManager proto =
        BootstrapLoader.parseYaml(hcmYaml, HttpConnectionManager.newBuilder()).build();
    HttpConnectionManagerConfig hcm = HttpConnectionManagerConfig.from(proto, "hcm", 10000, side);
    Clock clock = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    FilterFactoryContext filterContext =
        new FilterFactoryContext(
            "", hcm.statPrefix(), stats, clusters, random, time, clock, secrets, runtime, server);
    this.context =
        new ListenerContext(
            hcm,
            filters.apply(filterContext),
            new HcmStats(stats, hcm.statPrefix()),
            new Http1ServerCodecFactory(hcm.http1(), stats),
            new Http2ServerCodecFactory(hcm.http2(), stats, time),
            AccessLoggers.NONE,
            Tracer.DISABLED,
            random,
            time,
            clock,
            Optional.empty(),
            ListenerContext.DEFAULT_BUFFER_LIMIT_BYTES,
            () -> drainClose,
            action -> overload.getOrDefault(action, 0.0),
            UserAgent.from(proto, Node.newBuilder().setCluster(server.serviceCluster()).build()));
  }

  /**
   * An HCM ({@code stat_prefix: ingress}, {@code drain_timeout: 2s}) whose one route answers every
   * request with a direct 200 {@code hi}, through the router alone: for what the connection manager
   * itself does to a stream and its connection.
   */
  public static StreamHarness directResponses() {
    String hcm =
        """
        stat_prefix: ingress
        drain_timeout: 2s
        route_config:
          virtual_hosts:
          - name: all
            domains: ["*"]
            routes:
            - match: { prefix: "/" }
              direct_response: { status: 200, body: { inline_string: "hi" } }
        http_filters:
        - name: envoy.filters.http.router
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
    try {
      return new StreamHarness(hcm, configuredFilters(hcm));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * A bodiless HTTP/1.1 {@code GET /}: the response headers it got (what it wrote is cleared
   * first).
   */
  public HttpResponse get() {
    downstream.written.clear();
    request(new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/"));
    return (HttpResponse) downstream.written.get(0);
  }

  /** The filters the HCM config itself names, built as the proxy builds them. */
  public static Function<FilterFactoryContext, List<FilterChainEntry>> configuredFilters(
      String hcmYaml) throws Exception {
    HttpConnectionManager proto =
        BootstrapLoader.parseYaml(hcmYaml, HttpConnectionManager.newBuilder()).build();
    HttpConnectionManagerConfig hcm =
        HttpConnectionManagerConfig.from(proto, "hcm", 10000, OperationName.INGRESS);
    return context ->
        hcm.httpFilters().stream()
            .map(
                f ->
                    new FilterChainEntry(
                        f.name(), f.type().canonicalName(), f.disabled(), f.factory(context)))
            .toList();
  }

  /** A chain entry for a test filter. */
  public static FilterChainEntry entry(String name, HttpFilterFactory factory) {
    return new FilterChainEntry(name, name, false, factory);
  }

  public void request(HttpRequest request) {
    stream = new ActiveStream(context, downstream);
    stream.onRequestHeaders(request);
  }

  public void body(HttpContent chunk) {
    stream.onRequestContent(chunk);
  }

  public void downstreamCloses() {
    stream.onDownstreamClosed();
  }

  public StreamInfo info() {
    return stream.info;
  }

  public boolean finished() {
    return stream.isFinished();
  }

  public long counter(String name) {
    return stats.counter(name).value();
  }

  /** A downstream HTTP/1.1 connection that records what the stream wrote and asked for. */
  public final class RecordingDownstream implements DownstreamSink {
    private final EmbeddedChannel channel = new EmbeddedChannel();
    public final List<HttpObject> written = new ArrayList<>();

    /**
     * Every write and flush in order ({@code "response head"}, {@code "last content then flush"},
     * {@code "flush"}): where a flush falls decides how many sends reach the socket.
     */
    public final List<String> socketWrites = new ArrayList<>();

    public int readsRequested;
    public boolean completed;

    /** The protocol the connection speaks; a test sets {@code "HTTP/2"} for a stream's view. */
    public String protocol = "HTTP/1.1";

    /** The drain timeout the connection's drain sequence started with, null while not draining. */
    public Duration drainStartedWith;

    public boolean closeRequested;
    public boolean reset;
    public boolean tunnelStarted;
    private final DeadlineTimer routeTimer = new DeadlineTimer(time, time);
    private final DeadlineTimer idleTimer = new DeadlineTimer(time, time);

    /** The status of the response written, 0 if none. */
    public int status() {
      return written.stream()
          .filter(HttpResponse.class::isInstance)
          .map(o -> ((HttpResponse) o).status().code())
          .filter(code -> code >= 200)
          .findFirst()
          .orElse(0);
    }

    /** The body of a full response written, as text. */
    public String body() {
      return written.stream()
          .filter(FullHttpResponse.class::isInstance)
          .map(
              o ->
                  ((FullHttpResponse) o)
                      .content()
                      .toString(java.nio.charset.StandardCharsets.UTF_8))
          .findFirst()
          .orElse("");
    }

    /**
     * What the connection does when it closes: its stream deadline timers (which a finished stream
     * only disarms, for the next stream to reuse) cancel their pending checks. Returns whether
     * either was still armed.
     */
    public boolean closeConnectionTimers() {
      boolean armed = routeTimer.armed() || idleTimer.armed();
      routeTimer.close();
      idleTimer.close();
      return armed;
    }

    public void releaseAll() {
      written.forEach(ReferenceCountUtil::release);
      channel.finishAndReleaseAll();
    }

    @Override
    public EventLoop eventLoop() {
      return channel.eventLoop();
    }

    @Override
    public Scheduler scheduler() {
      return time;
    }

    @Override
    public ByteBufAllocator alloc() {
      return UnpooledByteBufAllocator.DEFAULT;
    }

    @Override
    public ChannelFuture write(HttpObject msg) {
      written.add(msg);
      socketWrites.add(kind(msg) + " then flush");
      return channel.newSucceededFuture();
    }

    @Override
    public ChannelFuture writeUnflushed(HttpObject msg) {
      written.add(msg);
      socketWrites.add(kind(msg));
      return channel.newSucceededFuture();
    }

    @Override
    public void flush() {
      socketWrites.add("flush");
    }

    @Override
    public void startTunnel() {
      tunnelStarted = true;
    }

    private static String kind(HttpObject msg) {
      if (msg instanceof FullHttpResponse) {
        return "full response";
      }
      if (msg instanceof HttpResponse) {
        return "response head";
      }
      return msg instanceof io.netty.handler.codec.http.LastHttpContent
          ? "last content"
          : "content";
    }

    @Override
    public DeadlineTimer routeTimer() {
      return routeTimer;
    }

    @Override
    public DeadlineTimer streamIdleTimer() {
      return idleTimer;
    }

    @Override
    public void readMore() {
      readsRequested++;
    }

    @Override
    public void streamComplete(boolean close) {
      completed = true;
      closeRequested = close;
    }

    @Override
    public boolean connectionDraining() {
      return drainStartedWith != null;
    }

    @Override
    public void startConnectionDrain(Duration drainTimeout) {
      if (drainStartedWith == null) {
        drainStartedWith = drainTimeout;
      }
    }

    @Override
    public void reset() {
      reset = true;
    }

    @Override
    public String protocol() {
      return protocol;
    }

    @Override
    public TlsSession tls() {
      return TlsSession.NONE;
    }

    @Override
    public InetSocketAddress remoteAddress() {
      return new InetSocketAddress("127.0.0.1", 40000);
    }

    @Override
    public InetSocketAddress localAddress() {
      return new InetSocketAddress("127.0.0.1", 10000);
    }
  }
}
