package io.attache.dataplane.filter.decompressor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * One compressed stream decoded chunk by chunk (Envoy's {@code Decompressor}): what a chunk yields
 * leaves with it; a malformed stream or a chunk inflating to more than 100 times its size (Envoy's
 * decompression-bomb guard) counts the library's error counter and stops the decoder, what was
 * produced before staying. Owns native memory: {@link #close} frees it. Not thread-safe; one per
 * direction of one HTTP stream.
 */
interface StreamDecoder extends AutoCloseable {

  /** Decodes {@code input} (not released) into a new buffer, possibly empty. */
  ByteBuf decode(ByteBuf input, ByteBufAllocator alloc);

  /** Frees the native state; idempotent. */
  @Override
  void close();
}
