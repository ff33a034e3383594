package io.attache.dataplane.filter.decompressor;

import com.github.luben.zstd.Zstd;
import com.github.luben.zstd.ZstdDecompressCtx;
import com.github.luben.zstd.ZstdException;
import io.attache.dataplane.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/**
 * zstd frames (RFC 8878) decoded chunk by chunk, as Envoy's zstd decompressor: what a chunk yields
 * leaves with it; frames may follow each other. A zstd error counts the counter Envoy maps it to
 * (checksum, dictionary, memory, else generic); a chunk decoding to more than 100 times its size
 * counts {@code zstd_generic_error}; either stops the decoder. Owns a native decompression context:
 * {@link #close} frees it. Not thread-safe; one per direction of one HTTP stream.
 */
final class ZstdDecoder implements StreamDecoder {
  /** Envoy's {@code MaxInflateRatio} for zstd (not configurable there either). */
  private static final int MAX_INFLATE_RATIO = 100;

  /** Envoy's zstd decompressor counters. */
  record Errors(Counter generic, Counter dictionary, Counter checksumWrong, Counter memory) {}

  private final ZstdDecompressCtx context = new ZstdDecompressCtx();
  private final ByteBuffer in;
  private final ByteBuffer out;
  private final Errors errors;
  private boolean stopped;

  ZstdDecoder(int chunkSize, Errors errors) {
    this.in = ByteBuffer.allocateDirect(chunkSize);
    this.out = ByteBuffer.allocateDirect(chunkSize);
    this.errors = errors;
  }

  @Override
  public ByteBuf decode(ByteBuf input, ByteBufAllocator alloc) {
    int inputLength = input.readableBytes();
    long limit = (long) MAX_INFLATE_RATIO * inputLength;
    ByteBuf result = alloc.heapBuffer(Math.max(64, Math.min(inputLength * 4, 1 << 20)));
    int index = input.readerIndex();
    int end = input.writerIndex();
    try {
      while (!stopped && index < end) {
        int n = Math.min(in.capacity(), end - index);
        in.clear();
        input.getBytes(index, in.limit(n));
        in.flip();
        index += n;
        // Until the chunk is used up and zstd has nothing more to give for it.
        do {
          out.clear();
          context.decompressDirectByteBufferStream(out, in);
          result.writeBytes(out.flip());
          if (result.readableBytes() > limit) {
            // The decompression-bomb guard: nothing past the limit leaves.
            result.writerIndex(result.readerIndex() + (int) limit);
            stop(errors.generic());
            return result;
          }
        } while (in.hasRemaining() || !out.hasRemaining() && out.limit() == out.capacity());
      }
    } catch (ZstdException e) {
      stop(counterFor(e.getErrorCode()));
    }
    return result;
  }

  /** zstd-jni reports a libzstd error code negated ({@code -ZSTD_error_*}). */
  private Counter counterFor(long reported) {
    long code = Math.abs(reported);
    if (code == Zstd.errChecksumWrong()) {
      return errors.checksumWrong();
    }
    if (code == Zstd.errDictionaryCorrupted() || code == Zstd.errDictionaryWrong()) {
      return errors.dictionary();
    }
    if (code == Zstd.errMemoryAllocation()) {
      return errors.memory();
    }
    return errors.generic();
  }

  private void stop(Counter counter) {
    counter.inc();
    close();
  }

  @Override
  public void close() {
    if (!stopped) {
      stopped = true;
      context.close();
    }
  }
}
