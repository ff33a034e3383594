package io.attache.dataplane.proxy;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayDeque;

/**
 * One direction of a stream's filter chain (the request through the decoders, or the response
 * through the encoders): passes headers, body chunks and trailers from filter to filter, stops
 * where a filter answers {@code STOP_ITERATION}, holds what arrives behind a stopped filter, and
 * passes it on, in order, when that filter continues. What leaves the last filter goes to the
 * {@link Sink}. Envoy's {@code FilterManager} iteration, for one side. Confined to the stream's
 * event loop.
 *
 * @param <F> the filter type of this side
 * @param <H> the headers message of this side
 */
abstract class FilterChainSide<F, H extends HttpObject> {
  /** Where what passed every filter goes. */
  interface Sink<H> {
    void headers(H headers, boolean endStream);

    void data(HttpContent data, boolean endStream);
  }

  private final Object[] filters;
  private final boolean[] stopped;
  private final boolean[] headersPassed;
  private final ArrayDeque<HttpContent>[] held;
  private final Sink<H> sink;
  private H headers;
  private boolean headersEndStream;
  private long heldBytes;
  private long bufferLimit;

  /**
   * @param bufferLimit the most bytes held for stopped filters before {@link #bufferLimitReached}
   *     (the listener's {@code per_connection_buffer_limit_bytes}; a filter may change it)
   */
  @SuppressWarnings("unchecked")
  FilterChainSide(Object[] filters, long bufferLimit, Sink<H> sink) {
    this.filters = filters;
    this.bufferLimit = bufferLimit;
    this.stopped = new boolean[filters.length];
    this.headersPassed = new boolean[filters.length];
    this.held = new ArrayDeque[filters.length];
    this.sink = sink;
  }

  abstract FilterHeadersStatus headers(F filter, H headers, boolean endStream);

  abstract FilterDataStatus data(F filter, HttpContent data, boolean endStream);

  abstract FilterTrailersStatus trailers(F filter, HttpHeaders trailers);

  /** True once the stream ended (a local reply or reset): iteration stops at once. */
  abstract boolean ended();

  /** A filter asked to buffer and read on (the request side asks for the next chunk). */
  abstract void readMoreForBuffering();

  /**
   * A filter stopped the headers of a message with a body. The response side reads on, as Envoy
   * does (nothing reaches the downstream meanwhile, so the router's write-paced reading would
   * stall); the request side leaves the pace to the filter that stopped.
   */
  abstract void headersHeld();

  /**
   * A filter took a chunk that was not the last ({@code STOP_ITERATION_NO_BUFFER}). The response
   * side reads on, as after {@link #readMoreForBuffering}: a filter that gathers the body itself
   * sends nothing down meanwhile. On the request side the filter asks for more itself.
   */
  abstract void chunkTaken();

  /** Held chunks passed the buffer limit: the side answers 413 (request) or 500 (response). */
  abstract void bufferLimitReached();

  @SuppressWarnings("unchecked")
  private F filter(int i) {
    return (F) filters[i];
  }

  /** The headers enter the chain at its first filter. */
  void startHeaders(H message, boolean endStream) {
    this.headers = message;
    this.headersEndStream = endStream;
    runHeaders(0);
  }

  private void runHeaders(int from) {
    for (int i = from; i < filters.length; i++) {
      FilterHeadersStatus status = headers(filter(i), headers, headersEndStream);
      if (ended()) {
        return;
      }
      if (status == FilterHeadersStatus.STOP_ITERATION) {
        stopped[i] = true;
        if (!headersEndStream) {
          headersHeld();
        }
        return;
      }
      headersPassed[i] = true;
    }
    sink.headers(headers, headersEndStream);
  }

  /**
   * Filter {@code index}, while handling headers, passes {@code replacement} on instead of the
   * headers it was given (a filter that re-encodes the body a full message carries).
   */
  void replaceHeaders(H replacement) {
    this.headers = replacement;
  }

  /**
   * Filter {@code index} passes a chunk of its own making to the filters after it (Envoy's {@code
   * inject*DataToFilterChain}): a filter that transforms the body takes each chunk ({@code
   * STOP_ITERATION_NO_BUFFER}) and injects what it made of it.
   */
  void inject(int index, HttpContent chunk) {
    runData(chunk, index + 1);
  }

  /** A body chunk (the last one carries any trailers) enters the chain at its first filter. */
  void startData(HttpContent chunk) {
    runData(chunk, 0);
  }

  private void runData(HttpContent chunk, int from) {
    boolean last = chunk instanceof LastHttpContent;
    HttpHeaders trailers = last ? ((LastHttpContent) chunk).trailingHeaders() : null;
    boolean hasTrailers = trailers != null && !trailers.isEmpty();
    for (int i = from; i < filters.length; i++) {
      F f = filter(i);
      FilterDataStatus status = data(f, chunk, last && !hasTrailers);
      if (ended()) {
        if (status != FilterDataStatus.STOP_ITERATION_NO_BUFFER) {
          ReferenceCountUtil.release(chunk);
        }
        return;
      }
      if (status == FilterDataStatus.STOP_ITERATION_NO_BUFFER) {
        if (!last) {
          chunkTaken();
        }
        return; // the filter owns the chunk
      }
      boolean stillStopped = stopped[i]; // the filter did not continue during the call
      boolean trailersStopped = false;
      if (hasTrailers && status == FilterDataStatus.CONTINUE) {
        if (trailers(f, trailers) == FilterTrailersStatus.STOP_ITERATION) {
          stopped[i] = true;
          trailersStopped = true;
        }
        if (ended()) {
          ReferenceCountUtil.release(chunk);
          return;
        }
      }
      if (stillStopped && !trailersStopped && status == FilterDataStatus.CONTINUE) {
        // As in Envoy, CONTINUE from a filter that stopped iteration resumes it: what it held
        // (its headers, earlier chunks), then this chunk, moves on (the buffer filter's last
        // chunk).
        hold(i, chunk);
        if (!ended()) {
          resume(i);
        }
        return;
      }
      if (stopped[i] || status != FilterDataStatus.CONTINUE) {
        stopped[i] = true;
        hold(i, chunk);
        if (status == FilterDataStatus.STOP_ITERATION_AND_BUFFER && !last) {
          readMoreForBuffering();
        }
        return;
      }
    }
    sink.data(chunk, last);
  }

  private void hold(int i, HttpContent chunk) {
    if (held[i] == null) {
      held[i] = new ArrayDeque<>(4);
    }
    held[i].add(chunk);
    heldBytes += chunk.content().readableBytes();
    if (bufferLimit > 0 && heldBytes > bufferLimit) { // 0: no limit, as Envoy's watermarks
      bufferLimitReached();
    }
  }

  /** This side's buffer limit (Envoy's {@code decoderBufferLimit()}). */
  long bufferLimit() {
    return bufferLimit;
  }

  /**
   * Sets this side's buffer limit, as Envoy's {@code setDecoderBufferLimit} does: the buffer filter
   * raises (or lowers) it to its {@code max_request_bytes} for the stream.
   */
  void bufferLimit(long limit) {
    this.bufferLimit = limit;
  }

  /** Filter {@code index} continues: its headers (if held) and its held chunks move on. */
  void resume(int index) {
    if (!stopped[index] || ended()) {
      return;
    }
    stopped[index] = false;
    if (!headersPassed[index]) {
      headersPassed[index] = true;
      runHeaders(index + 1);
    }
    ArrayDeque<HttpContent> queue = held[index];
    HttpContent chunk;
    while (queue != null && !stopped[index] && !ended() && (chunk = queue.poll()) != null) {
      heldBytes -= chunk.content().readableBytes();
      runData(chunk, index + 1);
    }
  }

  /** Whether headers went past every filter. */
  boolean headersThrough() {
    return filters.length == 0 || headersPassed[filters.length - 1];
  }

  /** The stream is over: releases every held chunk. */
  void releaseHeld() {
    for (ArrayDeque<HttpContent> queue : held) {
      if (queue != null) {
        HttpContent chunk;
        while ((chunk = queue.poll()) != null) {
          ReferenceCountUtil.release(chunk);
        }
      }
    }
    heldBytes = 0;
  }
}
