package io.attache.dataplane.proxy;

import io.attache.dataplane.filter.DownstreamConnection;
import io.attache.dataplane.filter.FilterChainEntry;
import io.attache.dataplane.filter.FilterChainFactoryCallbacks;
import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilter;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.filter.StreamInfo;
import io.attache.dataplane.router.PerFilterConfigs;
import io.attache.dataplane.router.RouteDecision;
import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.time.Scheduler;
import io.attache.dataplane.tracing.RequestSpan;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A stream's HTTP filter chain: creates the listener's filters for the stream (skipping those the
 * route disables), runs the request through the decoders in order and the response through the
 * encoders in reverse, and gives each filter its own callbacks. Confined to the stream's event
 * loop.
 */
final class FilterManager implements FilterChainFactoryCallbacks {
  private final ActiveStream stream;
  private final ListenerContext context;
  private final List<Object> decoders = new ArrayList<>(4);
  private final List<Object> encoders = new ArrayList<>(2);
  private final List<Object> destroyable = new ArrayList<>(4);
  private FilterChainEntry creating;
  private FilterChainSide<StreamDecoderFilter, HttpRequest> decode;
  private FilterChainSide<StreamEncoderFilter, HttpResponse> encode;
  private HttpResponse responseHeaders;
  private boolean destroyed;

  FilterManager(ActiveStream stream, ListenerContext context) {
    this.stream = stream;
    this.context = context;
  }

  // ---------------------------------------------------------------- creating the chain

  private void create() {
    List<FilterChainEntry> chain = context.httpFilters();
    int last = chain.size() - 1;
    for (int i = 0; i <= last; i++) {
      FilterChainEntry entry = chain.get(i);
      if (i == last || runs(entry)) {
        creating = entry;
        entry.factory().createFilters(this);
      }
    }
    creating = null;
    decode = new Decoding(decoders.toArray());
    if (!encoders.isEmpty()) {
      Object[] reversed = new Object[encoders.size()];
      for (int i = 0; i < reversed.length; i++) {
        reversed[i] = encoders.get(reversed.length - 1 - i);
      }
      encode = new Encoding(reversed);
    }
  }

  /** Envoy's per-route switch: {@code FilterConfig.disabled}, and {@code HttpFilter.disabled}. */
  private boolean runs(FilterChainEntry entry) {
    PerFilterConfigs.Presence presence =
        stream.route().perFilterConfigs().presence(entry.name(), entry.canonicalName());
    return switch (presence) {
      case DISABLED -> false;
      case PRESENT -> true;
      case ABSENT -> !entry.disabledByDefault();
    };
  }

  @Override
  public void addStreamDecoderFilter(StreamDecoderFilter filter) {
    DecoderHandle handle = new DecoderHandle(creating, decoders.size());
    decoders.add(filter);
    destroyable.add(filter);
    filter.setDecoderFilterCallbacks(handle);
  }

  @Override
  public void addStreamEncoderFilter(StreamEncoderFilter filter) {
    encoders.add(filter);
    destroyable.add(filter);
    filter.setEncoderFilterCallbacks(new EncoderHandle(creating, filter));
  }

  @Override
  public void addStreamFilter(StreamFilter filter) {
    DecoderHandle handle = new DecoderHandle(creating, decoders.size());
    decoders.add(filter);
    encoders.add(filter);
    destroyable.add(filter);
    filter.setDecoderFilterCallbacks(handle);
    filter.setEncoderFilterCallbacks(new EncoderHandle(creating, filter));
  }

  // ---------------------------------------------------------------- events from the stream

  void decodeHeaders(HttpRequest request, boolean endStream) {
    create();
    decode.startHeaders(request, endStream);
  }

  void decodeData(HttpContent content) {
    decode.startData(content);
  }

  void encodeLocalReply(FullHttpResponse response) {
    encodeHeaders(response, true);
  }

  private void encodeHeaders(HttpResponse response, boolean endStream) {
    responseHeaders = response;
    if (encode == null) {
      stream.writeHeaders(response, endStream);
    } else {
      encode.startHeaders(response, endStream);
    }
  }

  private void encodeData(HttpContent data, boolean endStream) {
    if (encode == null) {
      stream.writeData(data, endStream);
    } else {
      encode.startData(data);
    }
  }

  /**
   * The stream is over: every filter's {@link StreamDecoderFilter#onDestroy}, held chunks freed.
   */
  void destroy() {
    if (destroyed) {
      return;
    }
    destroyed = true;
    for (Object filter : destroyable) {
      if (filter instanceof StreamDecoderFilter d) {
        d.onDestroy();
      } else {
        ((StreamEncoderFilter) filter).onDestroy();
      }
    }
    if (decode != null) {
      decode.releaseHeld();
    }
    if (encode != null) {
      encode.releaseHeld();
    }
  }

  // ---------------------------------------------------------------- the two sides

  private final class Decoding extends FilterChainSide<StreamDecoderFilter, HttpRequest> {
    Decoding(Object[] filters) {
      super(
          filters,
          context.bufferLimitBytes(),
          new Sink<>() {
            @Override
            public void headers(HttpRequest headers, boolean endStream) {
              // No terminal filter (an HCM without http_filters): as in Envoy, nothing answers
              // and the stream's timeouts (stream_idle_timeout, request_timeout) end it.
            }

            @Override
            public void data(HttpContent data, boolean endStream) {
              io.netty.util.ReferenceCountUtil.release(data);
            }
          });
    }

    @Override
    FilterHeadersStatus headers(StreamDecoderFilter f, HttpRequest headers, boolean endStream) {
      return f.decodeHeaders(headers, endStream);
    }

    @Override
    FilterDataStatus data(StreamDecoderFilter f, HttpContent data, boolean endStream) {
      return f.decodeData(data, endStream);
    }

    @Override
    FilterTrailersStatus trailers(StreamDecoderFilter f, HttpHeaders trailers) {
      return f.decodeTrailers(trailers);
    }

    @Override
    boolean ended() {
      return stream.ended();
    }

    @Override
    void readMoreForBuffering() {
      stream.downstream.readMore();
    }

    @Override
    void headersHeld() {}

    @Override
    void chunkTaken() {}

    @Override
    void bufferLimitReached() {
      context.stats().downstreamRqTooLarge.inc();
      stream.sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
    }
  }

  private final class Encoding extends FilterChainSide<StreamEncoderFilter, HttpResponse> {
    Encoding(Object[] filters) {
      super(
          filters,
          context.bufferLimitBytes(),
          new Sink<>() {
            @Override
            public void headers(HttpResponse headers, boolean endStream) {
              stream.writeHeaders(headers, endStream);
            }

            @Override
            public void data(HttpContent data, boolean endStream) {
              stream.writeData(data, endStream);
            }
          });
    }

    @Override
    FilterHeadersStatus headers(StreamEncoderFilter f, HttpResponse headers, boolean endStream) {
      return f.encodeHeaders(headers, endStream);
    }

    @Override
    FilterDataStatus data(StreamEncoderFilter f, HttpContent data, boolean endStream) {
      return f.encodeData(data, endStream);
    }

    @Override
    FilterTrailersStatus trailers(StreamEncoderFilter f, HttpHeaders trailers) {
      return f.encodeTrailers(trailers);
    }

    @Override
    boolean ended() {
      return stream.isFinished();
    }

    @Override
    void readMoreForBuffering() {
      // Nothing went down to pace the upstream by: the router reads its next chunk now.
      if (stream.responseWritten != null) {
        stream.responseWritten.run();
      }
    }

    @Override
    void headersHeld() {
      readMoreForBuffering();
    }

    @Override
    void chunkTaken() {
      readMoreForBuffering();
    }

    @Override
    void bufferLimitReached() {
      stream.resetStream(); // the response headers may be out already; Envoy answers 500 if not
    }
  }

  // ---------------------------------------------------------------- per-filter callbacks

  /** What every filter of the stream shares; the subclasses know their filter's name. */
  private abstract class Handle {
    final FilterChainEntry entry;

    Handle(FilterChainEntry entry) {
      this.entry = entry;
    }

    public HttpRequest requestHeaders() {
      return stream.request;
    }

    public RouteDecision route() {
      return stream.route();
    }

    public void clearRouteCache() {
      stream.clearRouteCache();
    }

    public void setRoute(RouteDecision route) {
      stream.setRoute(route);
    }

    public <T> Optional<T> perRouteConfig(Class<T> type) {
      return stream
          .route()
          .perFilterConfigs()
          .config(entry.name(), entry.canonicalName())
          .filter(type::isInstance)
          .map(type::cast);
    }

    public <T> List<T> perRouteConfigs(Class<T> type) {
      return stream
          .route()
          .perFilterConfigs()
          .allConfigs(entry.name(), entry.canonicalName())
          .stream()
          .filter(type::isInstance)
          .map(type::cast)
          .toList();
    }

    public StreamInfo streamInfo() {
      return stream.info;
    }

    public DownstreamConnection connection() {
      return stream.downstream;
    }

    public Scheduler scheduler() {
      return stream.downstream.scheduler();
    }

    public ByteBufAllocator alloc() {
      return stream.downstream.alloc();
    }

    public boolean grpcRequest() {
      return stream.grpc;
    }

    public void sendLocalReply(int status, String body, String details) {
      stream.sendLocalReply(status, body, details);
    }

    public void sendLocalReply(FullHttpResponse response, String details) {
      stream.sendLocalReply(response, details);
    }

    public void resetStream() {
      stream.resetStream();
    }
  }

  private final class DecoderHandle extends Handle implements StreamDecoderFilterCallbacks {
    private final int index;

    DecoderHandle(FilterChainEntry entry, int index) {
      super(entry);
      this.index = index;
    }

    @Override
    public void continueDecoding() {
      decode.resume(index);
    }

    @Override
    public void encodeHeaders(HttpResponse response, boolean endStream) {
      FilterManager.this.encodeHeaders(response, endStream);
    }

    @Override
    public void encodeData(HttpContent data, boolean endStream) {
      FilterManager.this.encodeData(data, endStream);
    }

    @Override
    public io.netty.channel.EventLoop eventLoop() {
      return stream.downstream.eventLoop();
    }

    @Override
    public void flushResponse() {
      stream.flushResponse();
    }

    @Override
    public void setResponseWrittenListener(Runnable listener) {
      stream.responseWritten = listener;
    }

    @Override
    public void requestMoreData() {
      stream.downstream.readMore();
    }

    @Override
    public void injectDecodedDataToFilterChain(HttpContent data) {
      decode.inject(index, data);
    }

    @Override
    public long decoderBufferLimit() {
      return decode.bufferLimit();
    }

    @Override
    public void setDecoderBufferLimit(long limit) {
      decode.bufferLimit(limit);
    }

    @Override
    public DeadlineTimer routeTimer() {
      return stream.downstream.routeTimer();
    }

    @Override
    public void setStreamIdleTimeout(Duration timeout) {
      stream.setIdleTimeout(timeout);
    }

    @Override
    public void onStreamActivity() {
      stream.armIdleTimer();
    }

    @Override
    public RequestSpan activeSpan() {
      return stream.span;
    }

    @Override
    public boolean downstreamRequestComplete() {
      return stream.requestComplete;
    }
  }

  private final class EncoderHandle extends Handle implements StreamEncoderFilterCallbacks {
    private final StreamEncoderFilter filter;

    EncoderHandle(FilterChainEntry entry, StreamEncoderFilter filter) {
      super(entry);
      this.filter = filter;
    }

    @Override
    public void continueEncoding() {
      encode.resume(index());
    }

    @Override
    public void injectEncodedDataToFilterChain(HttpContent data) {
      encode.inject(index(), data);
    }

    @Override
    public void replaceResponseHeaders(HttpResponse response) {
      responseHeaders = response;
      encode.replaceHeaders(response);
    }

    private int index() {
      return encoders.size() - 1 - encoders.indexOf(filter);
    }

    @Override
    public HttpResponse responseHeaders() {
      return responseHeaders;
    }
  }
}
