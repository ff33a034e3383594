package io.attache.dataplane.filter;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponse;

/**
 * One filter instance's view of the response of one stream, in reverse chain order (Envoy's {@code
 * StreamEncoderFilter}); local replies pass through it too. Same threading and trailer rules as
 * {@link StreamDecoderFilter}.
 */
public interface StreamEncoderFilter {
  /** Called once, before any other method. */
  void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks);

  /**
   * The response headers; {@code endStream} is true for a response without a body (a {@code
   * FullHttpResponse}, which carries its whole body).
   */
  default FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    return FilterHeadersStatus.CONTINUE;
  }

  default FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    return FilterDataStatus.CONTINUE;
  }

  default FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    return FilterTrailersStatus.CONTINUE;
  }

  /** See {@link StreamDecoderFilter#onDestroy}; called once even for a filter with both sides. */
  default void onDestroy() {}
}
