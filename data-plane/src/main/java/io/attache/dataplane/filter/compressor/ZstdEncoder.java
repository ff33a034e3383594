package io.attache.dataplane.filter.compressor;

import com.github.luben.zstd.EndDirective;
import com.github.luben.zstd.ZstdCompressCtx;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;

/**
 * One zstd frame (RFC 8878) produced chunk by chunk, as Envoy's zstd compressor: a chunk is fed
 * with {@code ZSTD_e_continue}, so zstd may keep bytes back until it has a block worth emitting
 * (Envoy's zstd does not flush per chunk either); the last chunk ends the frame ({@code
 * ZSTD_e_end}, with the checksum when enabled). Owns a native compression context: {@link #close}
 * must be called if the stream ends before {@link #encode} finished it. Not thread-safe; one per
 * direction of one HTTP stream.
 */
final class ZstdEncoder implements StreamEncoder {
  private final ZstdCompressCtx context = new ZstdCompressCtx();
  private final ByteBuffer in;
  private final ByteBuffer out;
  private boolean closed;

  ZstdEncoder(ZstdSettings settings) {
    context.setLevel(settings.level());
    context.setChecksum(settings.checksum());
    if (settings.strategy() != 0) {
      context.setStrategy(settings.strategy());
    }
    in = ByteBuffer.allocateDirect(settings.chunkSize());
    out = ByteBuffer.allocateDirect(settings.chunkSize());
  }

  @Override
  public ByteBuf encode(ByteBuf input, boolean finish, ByteBufAllocator alloc) {
    if (closed) {
      throw new IllegalStateException("the zstd frame has ended");
    }
    ByteBuf result = alloc.heapBuffer(Math.max(64, input.readableBytes() / 2 + 32));
    int index = input.readerIndex();
    int end = input.writerIndex();
    while (index < end) {
      int n = Math.min(in.capacity(), end - index);
      in.clear();
      input.getBytes(index, in.limit(n));
      in.flip();
      index += n;
      do {
        out.clear();
        context.compressDirectByteBufferStream(out, in, EndDirective.CONTINUE);
        result.writeBytes(out.flip());
      } while (in.hasRemaining());
    }
    if (finish) {
      in.clear().limit(0);
      boolean done;
      do {
        out.clear();
        done = context.compressDirectByteBufferStream(out, in, EndDirective.END);
        result.writeBytes(out.flip());
      } while (!done);
      close();
    }
    return result;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      context.close();
    }
  }
}
