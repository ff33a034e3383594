package io.attache.dataplane.filter.router;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.util.ReferenceCountUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * The request body chunks the router holds: those not yet sent to the current attempt, and — while
 * the request may be retried — every chunk, kept for replay up to the buffer limit. Past the limit
 * the copy is dropped and the request is no longer retriable, as in Envoy. Confined to the stream's
 * event loop.
 */
final class RequestBody {
  /** Envoy's default listener {@code per_connection_buffer_limit_bytes}: the replay cap. */
  static final int DEFAULT_BUFFER_LIMIT = 1024 * 1024;

  private final List<HttpContent> chunks = new ArrayList<>();
  private boolean buffering;
  private long bufferedBytes;
  private int limit = DEFAULT_BUFFER_LIMIT;

  void add(HttpContent chunk) {
    chunks.add(chunk);
  }

  /** Starts keeping chunks for replay, up to {@code limit} bytes; false when already too large. */
  boolean startBuffering(boolean buffer, int limit) {
    this.buffering = buffer;
    this.limit = limit;
    for (HttpContent c : chunks) {
      bufferedBytes += c.content().readableBytes();
    }
    return !buffering || bufferedBytes <= limit;
  }

  boolean buffering() {
    return buffering;
  }

  /** Whether {@code chunk} would push the replay copy past the limit. */
  boolean overflows(HttpContent chunk) {
    return buffering && bufferedBytes + chunk.content().readableBytes() > limit;
  }

  /** Keeps a chunk for replay. */
  void keep(HttpContent chunk) {
    bufferedBytes += chunk.content().readableBytes();
    chunks.add(chunk);
  }

  /** Stops keeping the body: drops the chunks the current attempt already got. */
  void stopBuffering(int alreadySent) {
    buffering = false;
    for (int i = 0; i < alreadySent && !chunks.isEmpty(); i++) {
      ReferenceCountUtil.release(chunks.remove(0));
    }
    bufferedBytes = 0;
  }

  /**
   * Writes the held chunks to a new attempt's channel (unflushed): copies while buffering, else the
   * chunks themselves, which leave; {@code rawBytes} sends only their bytes (a raw TCP upstream has
   * no HTTP codec). Returns how many were sent.
   */
  int writeTo(Channel up, boolean rawBytes) {
    int sent = chunks.size();
    if (buffering) {
      for (HttpContent c : chunks) {
        up.write(
            rawBytes ? c.content().retainedDuplicate() : c.retainedDuplicate(), up.voidPromise());
      }
    } else {
      for (HttpContent c : chunks) {
        up.write(rawBytes ? c.content() : c, up.voidPromise());
      }
      chunks.clear();
    }
    return sent;
  }

  void release() {
    for (HttpContent c : chunks) {
      ReferenceCountUtil.release(c);
    }
    chunks.clear();
    bufferedBytes = 0;
  }
}
