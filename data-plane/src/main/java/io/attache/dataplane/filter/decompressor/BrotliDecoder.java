package io.attache.dataplane.filter.decompressor;

import com.aayushatharva.brotli4j.decoder.DecoderJNI;
import io.attache.dataplane.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * One brotli stream (RFC 7932) decoded chunk by chunk, as Envoy's brotli decompressor: what the
 * decoder yields for a chunk leaves with it. A malformed stream, bytes after the stream's end, or a
 * chunk decoding to more than 100 times its size (checked after each output the decoder gives, as
 * Envoy does) count {@code brotli_error} and stop the decoder. Owns a native brotli decoder: {@link
 * #close} frees it. Not thread-safe; one per direction of one HTTP stream.
 */
final class BrotliDecoder implements StreamDecoder {
  /** Envoy's {@code MaxInflateRatio} for brotli (not configurable there either). */
  private static final int MAX_INFLATE_RATIO = 100;

  private final DecoderJNI.Wrapper decoder;
  private final Counter errors;
  private boolean failed;
  private boolean closed;

  BrotliDecoder(int chunkSize, Counter errors) {
    try {
      this.decoder = new DecoderJNI.Wrapper(chunkSize);
    } catch (IOException e) {
      throw new UncheckedIOException("brotli decoder could not be created", e);
    }
    this.errors = errors;
  }

  @Override
  public ByteBuf decode(ByteBuf input, ByteBufAllocator alloc) {
    int inputLength = input.readableBytes();
    long limit = (long) MAX_INFLATE_RATIO * inputLength;
    ByteBuf out = alloc.heapBuffer(Math.max(64, Math.min(inputLength * 4, 1 << 20)));
    if (failed || closed) {
      return out;
    }
    int index = input.readerIndex();
    int end = input.writerIndex();
    while (true) {
      DecoderJNI.Status status = decoder.getStatus();
      switch (status) {
        case NEEDS_MORE_OUTPUT -> out.writeBytes(decoder.pull());
        case OK -> decoder.push(0);
        case NEEDS_MORE_INPUT -> {
          if (decoder.hasOutput()) {
            out.writeBytes(decoder.pull());
          } else if (index < end) {
            ByteBuffer in = decoder.getInputBuffer();
            int n = Math.min(in.capacity(), end - index);
            in.clear();
            input.getBytes(index, in.limit(n));
            index += n;
            decoder.push(n);
          } else {
            return out;
          }
        }
        case DONE -> {
          while (decoder.hasOutput()) {
            out.writeBytes(decoder.pull());
          }
          if (out.readableBytes() > limit) {
            failBeyond(out, limit);
          } else if (index < end) {
            fail(); // bytes after the end of the brotli stream
          } else {
            close();
          }
          return out;
        }
        case ERROR -> {
          fail();
          return out;
        }
      }
      if (out.readableBytes() > limit) {
        failBeyond(out, limit);
        return out;
      }
    }
  }

  /** The decompression-bomb guard: nothing past the limit leaves (Envoy keeps it back too). */
  private void failBeyond(ByteBuf out, long limit) {
    out.writerIndex(out.readerIndex() + (int) limit);
    fail();
  }

  private void fail() {
    failed = true;
    errors.inc();
    close();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      decoder.destroy();
    }
  }
}
