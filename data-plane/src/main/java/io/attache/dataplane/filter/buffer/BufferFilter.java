package io.attache.dataplane.filter.buffer;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.StreamDecoderFilter;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code envoy.filters.http.buffer} for one stream: holds the request headers and body in the chain
 * until the request is whole, then lets it go on with a {@code content-length} if it had none. It
 * raises the stream's decoder buffer limit to {@code max_request_bytes}; the connection manager
 * answers 413 past it, as in Envoy. Never holds body bytes itself (the chain does) and never
 * buffers a route that disables it.
 */
final class BufferFilter implements StreamDecoderFilter {
  private final BufferSettings listenerSettings;
  private StreamDecoderFilterCallbacks callbacks;
  private HttpRequest buffering;
  private long bodyBytes;

  BufferFilter(BufferSettings listenerSettings) {
    this.listenerSettings = listenerSettings;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.callbacks = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    BufferSettings settings =
        callbacks.perRouteConfig(BufferSettings.class).orElse(listenerSettings);
    if (endStream || settings.disabled()) {
      return FilterHeadersStatus.CONTINUE;
    }
    callbacks.setDecoderBufferLimit(settings.maxRequestBytes());
    buffering = request;
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (buffering == null) {
      return FilterDataStatus.CONTINUE;
    }
    bodyBytes += data.content().readableBytes();
    // The last chunk ends the body even when trailers follow on it (they come right after).
    if (endStream || data instanceof LastHttpContent) {
      addContentLengthIfAbsent();
      return FilterDataStatus.CONTINUE;
    }
    return FilterDataStatus.STOP_ITERATION_AND_BUFFER;
  }

  @Override
  public FilterTrailersStatus decodeTrailers(HttpHeaders trailers) {
    addContentLengthIfAbsent();
    return FilterTrailersStatus.CONTINUE;
  }

  /** Envoy populates {@code content-length} for a buffered request that had none. */
  private void addContentLengthIfAbsent() {
    if (buffering != null && !buffering.headers().contains(HttpHeaderNames.CONTENT_LENGTH)) {
      buffering.headers().set(HttpHeaderNames.CONTENT_LENGTH, bodyBytes);
    }
  }
}
