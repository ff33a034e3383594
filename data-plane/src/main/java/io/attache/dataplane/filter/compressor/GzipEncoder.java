package io.attache.dataplane.filter.compressor;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.zip.CRC32;
import java.util.zip.Deflater;

/**
 * One gzip member (RFC 1952) produced chunk by chunk: each chunk is deflated and sync-flushed, so
 * what is passed on can be decompressed at once (Envoy's gzip compressor flushes every chunk too);
 * the last chunk finishes the stream with the CRC-32 and size trailer. Owns a native zlib stream:
 * {@link #close} must be called if the stream ends before {@link #encode} finished it. Not
 * thread-safe; one per direction of one HTTP stream.
 */
final class GzipEncoder implements StreamEncoder {
  /** Magic, deflate, no flags, no mtime, no extra flags, OS "unix" (as zlib writes it). */
  private static final byte[] HEADER = {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};

  private final Deflater deflater;
  private final CRC32 crc = new CRC32();
  private final byte[] scratch;
  private boolean headerWritten;
  private boolean finished;

  GzipEncoder(GzipSettings settings) {
    this.deflater = new Deflater(settings.level(), true);
    this.deflater.setStrategy(settings.strategy());
    this.scratch = new byte[settings.chunkSize()];
  }

  /**
   * Compresses {@code input} (not released) into a new buffer; with {@code finish} the gzip stream
   * ends and the native stream is freed.
   */
  @Override
  public ByteBuf encode(ByteBuf input, boolean finish, ByteBufAllocator alloc) {
    if (finished) {
      throw new IllegalStateException("the gzip stream has ended");
    }
    ByteBuf out = alloc.heapBuffer(Math.max(64, input.readableBytes() / 2 + 32));
    if (!headerWritten) {
      out.writeBytes(HEADER);
      headerWritten = true;
    }
    if (input.isReadable()) {
      for (ByteBuffer nio : input.nioBuffers()) {
        crc.update(nio.duplicate());
        deflater.setInput(nio);
        drain(out, Deflater.NO_FLUSH);
      }
    }
    if (finish) {
      deflater.finish();
      while (!deflater.finished()) {
        out.writeBytes(scratch, 0, deflater.deflate(scratch));
      }
      out.writeIntLE((int) crc.getValue());
      out.writeIntLE((int) deflater.getBytesRead());
      close();
    } else {
      drain(out, Deflater.SYNC_FLUSH);
    }
    return out;
  }

  /** Deflates until the input is used up (and, for a sync flush, everything is out). */
  private void drain(ByteBuf out, int flush) {
    int n;
    do {
      n = deflater.deflate(scratch, 0, scratch.length, flush);
      out.writeBytes(scratch, 0, n);
    } while (n == scratch.length || !deflater.needsInput());
  }

  @Override
  public void close() {
    if (!finished) {
      finished = true;
      deflater.end();
    }
  }
}
