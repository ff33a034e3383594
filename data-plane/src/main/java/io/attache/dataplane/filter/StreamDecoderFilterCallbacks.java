package io.attache.dataplane.filter;

import io.attache.dataplane.time.DeadlineTimer;
import io.attache.dataplane.tracing.RequestSpan;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import java.time.Duration;

/**
 * A decoder filter's handle on its stream. Besides {@link #continueDecoding}, the methods below it
 * are for the terminal filter (the router), which produces the response: it encodes it through the
 * encoder filters, paces the request body and moves the stream's timers.
 */
public interface StreamDecoderFilterCallbacks extends StreamFilterCallbacks {
  /** Resumes a stream this filter stopped: passes on the headers and what the chain held. */
  void continueDecoding();

  /**
   * Passes a request chunk this filter made to the filters after it (Envoy's {@code
   * injectDecodedDataToFilterChain}); the filter took the chunk it was given ({@code
   * STOP_ITERATION_NO_BUFFER}). The last chunk is a {@code LastHttpContent} and carries the
   * trailers on.
   */
  void injectDecodedDataToFilterChain(HttpContent data);

  /** Sends response headers down the encoder chain; a {@code FullHttpResponse} ends the stream. */
  void encodeHeaders(HttpResponse response, boolean endStream);

  /** Sends a response chunk down the encoder chain; the last one carries the trailers. */
  void encodeData(HttpContent data, boolean endStream);

  /** The stream's event loop: upstream connections for it are opened and read on this loop. */
  EventLoop eventLoop();

  /** Flushes response writes left unflushed (called at the end of an upstream read batch). */
  void flushResponse();

  /**
   * Runs {@code listener} each time a non-final response write reached the downstream socket: the
   * router reads the next upstream chunk then (backpressure).
   */
  void setResponseWrittenListener(Runnable listener);

  /** Asks for the next request body chunk (the terminal filter paces the body). */
  void requestMoreData();

  /**
   * The most request body bytes the chain holds for stopped filters before answering 413: the
   * listener's {@code per_connection_buffer_limit_bytes} unless a filter set it (Envoy's {@code
   * decoderBufferLimit()}). The router also caps its retry buffer with it.
   */
  long decoderBufferLimit();

  /** Sets {@link #decoderBufferLimit()} for this stream (Envoy's {@code setDecoderBufferLimit}). */
  void setDecoderBufferLimit(long limit);

  /**
   * The timer for the route timeout (shared per HTTP/1.1 connection; see {@link DeadlineTimer}).
   */
  DeadlineTimer routeTimer();

  /** Replaces the stream idle timeout ({@code RouteAction.idle_timeout}); zero disables it. */
  void setStreamIdleTimeout(Duration timeout);

  /** Notes stream activity (an upstream read): pushes the stream idle timeout back. */
  void onStreamActivity();

  /** The request's tracing span (a no-op span when tracing is off). */
  RequestSpan activeSpan();

  /** True when the downstream delivered the whole request. */
  boolean downstreamRequestComplete();
}
