package io.attache.dataplane.filter;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;

/** An encoder filter's handle on its stream. */
public interface StreamEncoderFilterCallbacks extends StreamFilterCallbacks {
  /** Resumes a response this filter stopped: passes on the headers and what the chain held. */
  void continueEncoding();

  /**
   * Passes a response chunk this filter made to the filters after it (Envoy's {@code
   * injectEncodedDataToFilterChain}); the filter took the chunk it was given ({@code
   * STOP_ITERATION_NO_BUFFER}). The last chunk is a {@code LastHttpContent} and carries the
   * trailers on.
   */
  void injectEncodedDataToFilterChain(HttpContent data);

  /**
   * From {@code encodeHeaders} only: the chain passes {@code response} on instead of the headers
   * this filter was given. For a {@code FullHttpResponse}, whose body travels with its headers, a
   * filter that re-encodes the body replaces the whole message (and releases the old one).
   */
  void replaceResponseHeaders(HttpResponse response);

  /** The response headers, once encoding started; null before. */
  HttpResponse responseHeaders();
}
