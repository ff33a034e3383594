package io.attache.dataplane.filter.compressor;

import com.aayushatharva.brotli4j.encoder.EncoderJNI;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;

/**
 * One brotli stream (RFC 7932) produced chunk by chunk, as Envoy's brotli compressor: each chunk is
 * processed and flushed ({@code BROTLI_OPERATION_FLUSH}), so what is passed on decodes at once; the
 * last chunk finishes the stream ({@code BROTLI_OPERATION_FINISH}). Owns a native brotli encoder:
 * {@link #close} must be called if the stream ends before {@link #encode} finished it. Not
 * thread-safe; one per direction of one HTTP stream.
 */
final class BrotliEncoder implements StreamEncoder {
  private final EncoderJNI.Wrapper encoder;
  private boolean closed;

  BrotliEncoder(BrotliSettings settings) {
    try {
      encoder =
          new EncoderJNI.Wrapper(
              settings.chunkSize(), settings.quality(), settings.windowBits(), settings.mode());
    } catch (IOException e) {
      throw new UncheckedIOException("brotli encoder could not be created", e);
    }
  }

  @Override
  public ByteBuf encode(ByteBuf input, boolean finish, ByteBufAllocator alloc) {
    if (closed) {
      throw new IllegalStateException("the brotli stream has ended");
    }
    ByteBuf out = alloc.heapBuffer(Math.max(64, input.readableBytes() / 2 + 32));
    ByteBuffer in = encoder.getInputBuffer();
    int index = input.readerIndex();
    int end = input.writerIndex();
    while (index < end) {
      int n = Math.min(in.capacity(), end - index);
      in.clear();
      input.getBytes(index, in.limit(n));
      index += n;
      encoder.push(EncoderJNI.Operation.PROCESS, n);
      drain(EncoderJNI.Operation.PROCESS, out);
    }
    encoder.push(finish ? EncoderJNI.Operation.FINISH : EncoderJNI.Operation.FLUSH, 0);
    drain(finish ? EncoderJNI.Operation.FINISH : EncoderJNI.Operation.FLUSH, out);
    if (finish) {
      close();
    }
    return out;
  }

  /** Pulls output until the encoder has consumed its input and has nothing more to give. */
  private void drain(EncoderJNI.Operation operation, ByteBuf out) {
    while (true) {
      if (!encoder.isSuccess()) {
        throw new IllegalStateException("brotli encoding failed");
      }
      if (encoder.hasMoreOutput()) {
        out.writeBytes(encoder.pull());
      } else if (encoder.hasRemainingInput()) {
        encoder.push(operation, 0);
      } else {
        return;
      }
    }
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      encoder.destroy();
    }
  }
}
