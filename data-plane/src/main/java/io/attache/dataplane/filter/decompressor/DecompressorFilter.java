package io.attache.dataplane.filter.decompressor;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.attache.dataplane.runtime.Runtime;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code envoy.filters.http.decompressor} on one stream (Envoy's {@code DecompressorFilter}):
 * decodes, with its library (gzip, brotli, zstd), a request or response whose first {@code
 * content-encoding} is the library's coding, when that direction is enabled and no {@code
 * cache-control: no-transform} forbids it (unless ignored); the message loses its {@code
 * content-length} and the coding. With response decompression enabled it appends the coding to the
 * request's {@code accept-encoding} (once, dropping a q-value the client gave it). It never touches
 * a message that ended with its headers and never holds body bytes: each chunk leaves inflated.
 * Envoy's {@code x-envoy-decompressor-*-bytes} trailers are not added (Attaché's HTTP/1.1 codec
 * would send trailers that Envoy's drops).
 */
final class DecompressorFilter implements StreamFilter {
  private final DecompressorConfig config;
  private final DecompressorStats stats;
  private final Runtime runtime;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private StreamDecoder requestDecoder;
  private StreamDecoder responseDecoder;

  DecompressorFilter(DecompressorConfig config, DecompressorStats stats, Runtime runtime) {
    this.config = config;
    this.stats = stats;
    this.runtime = runtime;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.decoder = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    this.encoder = callbacks;
  }

  // ---------------------------------------------------------------- request

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    HttpHeaders h = request.headers();
    if (config.advertiseAcceptEncoding() && enabled(config.response())) {
      List<String> accept = h.getAll(HttpHeaderNames.ACCEPT_ENCODING);
      h.set(
          HttpHeaderNames.ACCEPT_ENCODING,
          addEncoding(accept.isEmpty() ? "" : String.join(",", accept), config.encoding()));
    }
    if (endStream) {
      return FilterHeadersStatus.CONTINUE; // headers only: nothing to decompress, no stats
    }
    if (shouldDecompress(config.request(), h, stats.request())) {
      requestDecoder = stats.decoders().get();
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (requestDecoder == null) {
      return FilterDataStatus.CONTINUE;
    }
    decoder.injectDecodedDataToFilterChain(inflate(requestDecoder, data, stats.request()));
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  // ---------------------------------------------------------------- response

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    FullHttpResponse full = response instanceof FullHttpResponse f ? f : null;
    // A full response carries its body; only an empty one ended with its headers.
    boolean ended = full == null ? endStream : !full.content().isReadable();
    if (ended) {
      return FilterHeadersStatus.CONTINUE;
    }
    if (!shouldDecompress(config.response(), response.headers(), stats.response())) {
      return FilterHeadersStatus.CONTINUE;
    }
    responseDecoder = stats.decoders().get();
    if (full != null) {
      ByteBuf inflated = decode(responseDecoder, full.content(), stats.response(), decoder.alloc());
      FullHttpResponse replaced = full.replace(inflated);
      full.release();
      encoder.replaceResponseHeaders(replaced);
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    if (responseDecoder == null) {
      return FilterDataStatus.CONTINUE;
    }
    encoder.injectEncodedDataToFilterChain(inflate(responseDecoder, data, stats.response()));
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public void onDestroy() {
    if (requestDecoder != null) {
      requestDecoder.close();
    }
    if (responseDecoder != null) {
      responseDecoder.close();
    }
  }

  // ---------------------------------------------------------------- decisions

  /**
   * Envoy's {@code maybeInitDecompress}: enabled, no {@code no-transform} (unless ignored), and the
   * library's coding the first; if so the coding and the {@code content-length} go. Counts either
   * way.
   */
  private boolean shouldDecompress(
      DecompressorConfig.Direction direction, HttpHeaders h, DecompressorStats.Direction counters) {
    boolean decompress =
        enabled(direction)
            && (direction.ignoreNoTransformHeader() || !hasCacheControlNoTransform(h))
            && firstCodingMatches(h);
    if (!decompress) {
      counters.notDecompressed().inc();
      return false;
    }
    counters.decompressed().inc();
    h.remove(HttpHeaderNames.CONTENT_LENGTH);
    removeFirstCoding(h);
    return true;
  }

  /** Inflates one chunk (the last one keeps its trailers) and frees it. */
  private HttpContent inflate(
      StreamDecoder library, HttpContent data, DecompressorStats.Direction counters) {
    ByteBuf out = decode(library, data.content(), counters, decoder.alloc());
    HttpContent chunk;
    if (data instanceof LastHttpContent last) {
      DefaultLastHttpContent end = new DefaultLastHttpContent(out);
      end.trailingHeaders().set(last.trailingHeaders());
      chunk = end;
    } else {
      chunk = new DefaultHttpContent(out);
    }
    data.release();
    return chunk;
  }

  private static ByteBuf decode(
      StreamDecoder library,
      ByteBuf in,
      DecompressorStats.Direction counters,
      ByteBufAllocator alloc) {
    counters.totalCompressedBytes().add(in.readableBytes());
    ByteBuf out = library.decode(in, alloc);
    counters.totalUncompressedBytes().add(out.readableBytes());
    return out;
  }

  private boolean enabled(DecompressorConfig.Direction direction) {
    return direction.enabledRuntimeKey().isEmpty()
        ? direction.enabledByDefault()
        : runtime.snapshot().bool(direction.enabledRuntimeKey(), direction.enabledByDefault());
  }

  /** The first value of the comma-separated {@code content-encoding}, trimmed, is ours. */
  private boolean firstCodingMatches(HttpHeaders h) {
    String codings = h.get(HttpHeaderNames.CONTENT_ENCODING);
    if (codings == null) {
      return false;
    }
    int comma = codings.indexOf(',');
    String first = (comma < 0 ? codings : codings.substring(0, comma)).trim();
    return first.equalsIgnoreCase(config.encoding());
  }

  /** Drops the first coding; the header goes when it was the only one. */
  private static void removeFirstCoding(HttpHeaders h) {
    String codings = h.get(HttpHeaderNames.CONTENT_ENCODING).trim();
    int comma = codings.indexOf(',');
    if (comma < 0) {
      h.remove(HttpHeaderNames.CONTENT_ENCODING);
    } else {
      h.set(HttpHeaderNames.CONTENT_ENCODING, codings.substring(comma + 1).trim());
    }
  }

  /**
   * Envoy's {@code addEncodingToAcceptEncoding}: every listed coding but ours (with or without a
   * q-value) kept as it was, then ours once, without a q-value, last.
   */
  static String addEncoding(String acceptEncoding, String encoding) {
    List<String> kept = new ArrayList<>();
    for (String token : acceptEncoding.split(",")) {
      String trimmed = token.trim();
      if (trimmed.isEmpty()) {
        continue;
      }
      int semicolon = trimmed.indexOf(';');
      String coding = (semicolon < 0 ? trimmed : trimmed.substring(0, semicolon)).trim();
      if (!coding.equals(encoding)) {
        kept.add(trimmed);
      }
    }
    kept.add(encoding);
    return String.join(",", kept);
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
}
