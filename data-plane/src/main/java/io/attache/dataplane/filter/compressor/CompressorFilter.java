package io.attache.dataplane.filter.compressor;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.runtime.Runtime;
import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.List;
import java.util.Optional;

/**
 * {@code envoy.filters.http.compressor} on one stream (Envoy's {@code CompressorFilter}):
 * compresses, with its library's coding, the response when the request accepts it and the response
 * qualifies (enabled, long enough, a listed content type, no {@code content-encoding}, no {@code
 * cache-control: no-transform}, no etag when {@code disable_on_etag_header}), and the request body
 * when {@code request_direction_config} asks for it. A compressed message loses its {@code
 * content-length} and strong {@code etag} and gets {@code content-encoding}; a compressible
 * response gets {@code vary: accept-encoding} even when this request did not accept the coding. It
 * never compresses a message twice, never one that ended with its headers, and never holds body
 * bytes itself: gzip and brotli flush each chunk, zstd (as in Envoy) may keep bytes inside its
 * encoder until it has a block or the body ends.
 */
final class CompressorFilter implements StreamFilter {
  /** Envoy's spelling of the value (HttpFilterDifferentialIT compares it byte for byte). */
  private static final String VARY_ACCEPT_ENCODING = "Accept-Encoding";

  private final CompressorConfig config;
  private final CompressorStats stats;
  private final Runtime runtime;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private EncodingDecision.Registry registry;
  private String acceptEncoding;
  private boolean headRequest;
  private Optional<CompressorPerRoute> perRoute = Optional.empty();
  private StreamEncoder requestEncoder;
  private StreamEncoder responseEncoder;

  CompressorFilter(CompressorConfig config, CompressorStats stats, Runtime runtime) {
    this.config = config;
    this.stats = stats;
    this.runtime = runtime;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.decoder = callbacks;
    // Every compressor filter of the stream registers, so that the first to see the response
    // decides the encoding for all of them.
    registry =
        callbacks
            .streamInfo()
            .filterState(
                EncodingDecision.Registry.KEY,
                EncodingDecision.Registry.class,
                EncodingDecision.Registry::new);
    registry.configs.add(config);
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    this.encoder = callbacks;
  }

  // ---------------------------------------------------------------- request

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    HttpHeaders h = request.headers();
    List<String> accept = h.getAll(HttpHeaderNames.ACCEPT_ENCODING);
    acceptEncoding = accept.isEmpty() ? null : String.join(",", accept);
    headRequest = request.method().equals(io.netty.handler.codec.http.HttpMethod.HEAD);
    perRoute = decoder.perRouteConfig(CompressorPerRoute.class);
    if (responseCompressionEnabled() && removeAcceptEncodingHeader()) {
      h.remove(HttpHeaderNames.ACCEPT_ENCODING);
    }
    CompressorConfig.Direction direction = config.request();
    if (!endStream
        && config.requestDirectionSet()
        && enabled(direction)
        && !isUpgrade(h)
        && minimumContentLength(h, -1, direction, stats.request())
        && direction.contentTypeAllowed(h.get(HttpHeaderNames.CONTENT_TYPE))
        && !h.contains(HttpHeaderNames.CONTENT_ENCODING)
        && transferEncodingAllowed(h)) {
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      h.set(HttpHeaderNames.CONTENT_ENCODING, config.encoding());
      stats.request().compressed().inc();
      requestEncoder = config.library().newEncoder();
    } else {
      stats.request().notCompressed().inc();
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (requestEncoder == null) {
      return FilterDataStatus.CONTINUE;
    }
    decoder.injectDecodedDataToFilterChain(compress(requestEncoder, data, stats.request()));
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  // ---------------------------------------------------------------- response

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    HttpHeaders h = response.headers();
    FullHttpResponse full = response instanceof FullHttpResponse f ? f : null;
    // A full response carries its body; only an empty one ended with its headers.
    // A response to HEAD has no body whatever its content-length says: Envoy's codec ends it
    // with its headers, so Envoy never compresses it (but still adds vary).
    boolean ended = headRequest || (full == null ? endStream : !full.content().isReadable());
    long bodyLength = full == null ? -1 : full.content().readableBytes();
    CompressorConfig.Direction direction = config.response();
    boolean enabledAndLongEnough =
        responseCompressionEnabled()
            && minimumContentLength(h, bodyLength, direction, stats.response());
    boolean compressible =
        enabledAndLongEnough
            && !isUpgrade(h)
            && direction.contentTypeAllowed(h.get(HttpHeaderNames.CONTENT_TYPE))
            && !hasCacheControlNoTransform(h)
            && etagAllowed(h)
            && !h.contains(HttpHeaderNames.CONTENT_ENCODING)
            && !config.uncompressibleResponseCodes().contains(response.status().code());
    if (!ended
        && acceptEncodingAllowed(enabledAndLongEnough, h)
        && compressible
        && transferEncodingAllowed(h)) {
      removeStrongEtag(h);
      h.remove(HttpHeaderNames.CONTENT_LENGTH);
      h.set(HttpHeaderNames.CONTENT_ENCODING, config.encoding());
      stats.response().compressed().inc();
      responseEncoder = config.library().newEncoder();
    } else {
      stats.response().notCompressed().inc();
    }
    if (compressible) {
      insertVary(h);
    }
    if (responseEncoder != null && full != null) {
      ByteBuf body = full.content();
      stats.response().totalUncompressedBytes().add(body.readableBytes());
      ByteBuf compressed = responseEncoder.encode(body, true, decoder.alloc());
      stats.response().totalCompressedBytes().add(compressed.readableBytes());
      FullHttpResponse replaced = full.replace(compressed);
      full.release();
      encoder.replaceResponseHeaders(replaced);
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    if (responseEncoder == null) {
      return FilterDataStatus.CONTINUE;
    }
    encoder.injectEncodedDataToFilterChain(compress(responseEncoder, data, stats.response()));
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public void onDestroy() {
    if (requestEncoder != null) {
      requestEncoder.close();
    }
    if (responseEncoder != null) {
      responseEncoder.close();
    }
  }

  // ---------------------------------------------------------------- decisions

  /**
   * Compresses one chunk (the last one finishes the stream and keeps the trailers) and frees it.
   */
  private HttpContent compress(
      StreamEncoder library, HttpContent data, CompressorStats.Direction counters) {
    boolean last = data instanceof LastHttpContent;
    ByteBuf in = data.content();
    counters.totalUncompressedBytes().add(in.readableBytes());
    ByteBuf out = library.encode(in, last, decoder.alloc());
    counters.totalCompressedBytes().add(out.readableBytes());
    HttpContent chunk;
    if (last) {
      DefaultLastHttpContent end = new DefaultLastHttpContent(out);
      end.trailingHeaders().set(((LastHttpContent) data).trailingHeaders());
      chunk = end;
    } else {
      chunk = new DefaultHttpContent(out);
    }
    data.release();
    return chunk;
  }

  private boolean enabled(CompressorConfig.Direction direction) {
    return direction.enabledRuntimeKey().isEmpty()
        ? direction.enabledByDefault()
        : runtime.snapshot().bool(direction.enabledRuntimeKey(), direction.enabledByDefault());
  }

  /** A route's {@code CompressorPerRoute} decides first; else the filter's runtime flag. */
  private boolean responseCompressionEnabled() {
    return perRoute
        .flatMap(CompressorPerRoute::responseCompressionEnabled)
        .orElseGet(() -> enabled(config.response()));
  }

  private boolean removeAcceptEncodingHeader() {
    return perRoute
        .flatMap(CompressorPerRoute::removeAcceptEncodingHeader)
        .orElse(config.removeAcceptEncodingHeader());
  }

  /**
   * A {@code content-length} (else the full message's body length, else none: a streamed body) of
   * at least {@code min_content_length}; a smaller or unparseable one counts {@code
   * content_length_too_small}.
   */
  private static boolean minimumContentLength(
      HttpHeaders h,
      long bodyLength,
      CompressorConfig.Direction direction,
      CompressorStats.Direction counters) {
    String value = h.get(HttpHeaderNames.CONTENT_LENGTH);
    long length = bodyLength;
    if (value != null) {
      try {
        length = Long.parseLong(value.trim());
      } catch (NumberFormatException notANumber) {
        length = -2;
      }
    }
    if (length == -1) {
      return true;
    }
    boolean longEnough = length >= direction.minContentLength();
    if (!longEnough) {
      counters.contentLengthTooSmall().inc();
    }
    return longEnough;
  }

  private boolean acceptEncodingAllowed(boolean maybeCompress, HttpHeaders response) {
    if (!maybeCompress) {
      return false; // neither a decision nor stats when nothing would be compressed anyway
    }
    if (acceptEncoding == null) {
      stats.acceptEncoding().noAcceptHeader().inc();
      return false;
    }
    if (registry.decision == null) {
      registry.decision =
          EncodingDecision.choose(
              registry.configs, acceptEncoding, response.get(HttpHeaderNames.CONTENT_TYPE));
    }
    EncodingDecision decision = registry.decision;
    boolean mine = decision.encoding().equalsIgnoreCase(config.encoding());
    CompressorStats.AcceptEncoding counters = stats.acceptEncoding();
    switch (decision.stat()) {
      case VALID_COMPRESSOR ->
          (mine ? counters.headerCompressorUsed() : counters.headerCompressorOvershadowed()).inc();
      case IDENTITY -> counters.headerIdentity().inc();
      case WILDCARD -> counters.headerWildcard().inc();
      case NOT_VALID -> counters.headerNotValid().inc();
    }
    return mine;
  }

  private boolean etagAllowed(HttpHeaders h) {
    if (config.disableOnEtagHeader() && h.contains(HttpHeaderNames.ETAG)) {
      stats.acceptEncoding().notCompressedEtag().inc();
      return false;
    }
    return true;
  }

  /**
   * Envoy keeps a weak etag ({@code W/"..."}) and drops a strong one: the compressed bytes are not
   * the entity the strong tag names.
   */
  private static void removeStrongEtag(HttpHeaders h) {
    String etag = h.get(HttpHeaderNames.ETAG);
    if (etag != null
        && etag.length() > 2
        && !((etag.charAt(0) == 'W' || etag.charAt(0) == 'w') && etag.charAt(1) == '/')) {
      h.remove(HttpHeaderNames.ETAG);
    }
  }

  private static boolean hasCacheControlNoTransform(HttpHeaders h) {
    for (String value : h.getAll(HttpHeaderNames.CACHE_CONTROL)) {
      for (String token : value.split(",")) {
        if (token.trim().equalsIgnoreCase("no-transform")) {
          return true;
        }
      }
    }
    return false;
  }

  /** Not a message whose transfer coding already compresses it. */
  private boolean transferEncodingAllowed(HttpHeaders h) {
    for (String value : h.getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
      for (String token : value.split(",")) {
        String coding = token.trim();
        if (coding.equalsIgnoreCase("gzip")
            || coding.equalsIgnoreCase("br")
            || coding.equalsIgnoreCase("deflate")
            || coding.equalsIgnoreCase("compress")
            || coding.equalsIgnoreCase("zstd")
            || coding.equalsIgnoreCase(config.encoding())) {
          return false;
        }
      }
    }
    return true;
  }

  private static boolean isUpgrade(HttpHeaders h) {
    return h.contains(HttpHeaderNames.UPGRADE)
        && h.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true);
  }

  private static void insertVary(HttpHeaders h) {
    List<String> values = h.getAll(HttpHeaderNames.VARY);
    if (values.isEmpty()) {
      h.set(HttpHeaderNames.VARY, VARY_ACCEPT_ENCODING);
      return;
    }
    String vary = String.join(", ", values);
    for (String token : vary.split(",")) {
      if (token.trim().equalsIgnoreCase(VARY_ACCEPT_ENCODING)) {
        return;
      }
    }
    h.set(HttpHeaderNames.VARY, vary + ", " + VARY_ACCEPT_ENCODING);
  }
}
