package io.attache.dataplane.filter;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;

/**
 * One filter instance's view of the request of one stream, in chain order (Envoy's {@code
 * StreamDecoderFilter}). Called on the stream's event loop only; must never block it. A filter
 * never reaches into another filter's state: it answers {@code CONTINUE} / {@code STOP_ITERATION},
 * may send a local reply through its callbacks, and continues a stopped stream through them.
 *
 * <p>Netty carries trailers on the last chunk: {@link #decodeData} sees every chunk, with {@code
 * endStream} true for the last one unless trailers follow, in which case {@link #decodeTrailers}
 * comes right after it with the same chunk's trailing headers.
 */
public interface StreamDecoderFilter {
  /** Called once, before any other method. */
  void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks);

  /**
   * The request headers. {@code endStream} is true when no body follows (Envoy's end_stream): a
   * request without a body, or a {@code FullHttpRequest} (HTTP/2 headers with END_STREAM, an
   * aggregating decoder), whose content then belongs to the headers. No {@link #decodeData} follows
   * either way. Hop-by-hop headers ({@code transfer-encoding}, ...) are already gone.
   */
  default FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    return FilterHeadersStatus.CONTINUE;
  }

  /** A body chunk; a filter that returns {@code STOP_ITERATION_NO_BUFFER} owns and releases it. */
  default FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    return FilterDataStatus.CONTINUE;
  }

  default FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    return FilterTrailersStatus.CONTINUE;
  }

  /**
   * The stream is over (completed, answered locally or reset): cancel timers, release what the
   * filter holds. Called exactly once, before the access log is written.
   */
  default void onDestroy() {}
}
