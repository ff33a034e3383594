package io.attache.dataplane.filter.compressor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One compressed stream produced chunk by chunk (Envoy's {@code Compressor}): {@link #encode} takes
 * a chunk and returns what the library has ready for it; the call with {@code finish} ends the
 * stream and frees the library's native state. Owns native memory: {@link #close} must be called if
 * the HTTP stream ends before the encoder finished. Not thread-safe; one per direction of one HTTP
 * stream.
 */
interface StreamEncoder extends AutoCloseable {

  /** Compresses {@code input} (not released) into a new buffer, possibly empty. */
  ByteBuf encode(ByteBuf input, boolean finish, ByteBufAllocator alloc);

  /** Frees the native state; idempotent. */
  @Override
  void close();
}
