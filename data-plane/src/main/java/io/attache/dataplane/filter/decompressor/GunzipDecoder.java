package io.attache.dataplane.filter.decompressor;

import io.attache.dataplane.stats.Counter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import java.io.ByteArrayOutputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One gzip member (RFC 1952) inflated chunk by chunk, as Envoy's zlib decompressor in gzip mode:
 * the header (with its optional extra, name, comment and header CRC) may arrive split over chunks;
 * what the deflate stream yields leaves with the chunk that carried it; the CRC-32 and size trailer
 * are checked. A malformed stream, a failed check, or a chunk inflating to more than {@code
 * max_inflate_ratio} times its size counts {@code zlib_data_error} and stops the decoder: what was
 * inflated before stays, nothing after it is produced (Envoy passes on what zlib gave it and no
 * more). Bytes after the member are dropped, as zlib stops at its end. Owns a native zlib stream:
 * {@link #close} frees it. Not thread-safe; one per direction of one HTTP stream.
 */
final class GunzipDecoder implements StreamDecoder {
  private static final int FHCRC = 0x02;
  private static final int FEXTRA = 0x04;
  private static final int FNAME = 0x08;
  private static final int FCOMMENT = 0x10;
  private static final int RESERVED = 0xe0;

  /** A header longer than this (a name or comment without end) is refused, not buffered on. */
  private static final int MAX_HEADER = 64 * 1024;

  private enum State {
    HEADER,
    INFLATE,
    TRAILER,
    ENDED,
    FAILED
  }

  private final Inflater inflater = new Inflater(true);
  private final CRC32 crc = new CRC32();
  private final byte[] scratch;
  private final int maxInflateRatio;
  private final Counter dataErrors;
  private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
  private State state = State.HEADER;
  private boolean closed;

  GunzipDecoder(GunzipSettings settings, Counter dataErrors) {
    this.scratch = new byte[settings.chunkSize()];
    this.maxInflateRatio = settings.maxInflateRatio();
    this.dataErrors = dataErrors;
  }

  /** Inflates {@code input} (not released) into a new buffer, possibly empty. */
  @Override
  public ByteBuf decode(ByteBuf input, ByteBufAllocator alloc) {
    int inputLength = input.readableBytes();
    long limit = (long) maxInflateRatio * inputLength;
    ByteBuf out = alloc.heapBuffer(Math.max(64, Math.min(inputLength * 4, 1 << 20)));
    byte[] in = ByteBufUtil.getBytes(input);
    int pos = 0;
    while (pos < in.length) {
      switch (state) {
        case HEADER -> {
          pending.write(in, pos, in.length - pos);
          pos = in.length;
          byte[] buffered = pending.toByteArray();
          int headerLength = headerLength(buffered);
          if (headerLength == -1) {
            if (buffered.length > MAX_HEADER) {
              fail();
            }
            continue;
          }
          if (headerLength < 0) {
            fail();
            continue;
          }
          pending.reset();
          in = buffered;
          pos = headerLength;
          state = State.INFLATE;
        }
        case INFLATE -> {
          inflater.setInput(in, pos, in.length - pos);
          pos = in.length;
          try {
            while (true) {
              int n = inflater.inflate(scratch);
              crc.update(scratch, 0, n);
              out.writeBytes(scratch, 0, n);
              if (out.readableBytes() > limit) {
                fail();
                break;
              }
              if (inflater.finished()) {
                pos = in.length - inflater.getRemaining();
                state = State.TRAILER;
                break;
              }
              if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                if (inflater.needsDictionary()) {
                  fail();
                }
                break;
              }
            }
          } catch (DataFormatException malformed) {
            fail();
          }
        }
        case TRAILER -> {
          int take = Math.min(8 - pending.size(), in.length - pos);
          pending.write(in, pos, take);
          pos += take;
          if (pending.size() == 8) {
            byte[] t = pending.toByteArray();
            long crcValue = le32(t, 0);
            long size = le32(t, 4);
            if (crcValue != crc.getValue() || size != (inflater.getBytesWritten() & 0xffffffffL)) {
              fail();
            } else {
              state = State.ENDED;
              close();
            }
          }
        }
        case ENDED, FAILED -> pos = in.length;
      }
    }
    return out;
  }

  /** Whether the member ended with a trailer that checked out. */
  boolean ended() {
    return state == State.ENDED;
  }

  private void fail() {
    state = State.FAILED;
    dataErrors.inc();
    close();
  }

  /** The header's length, -1 while more bytes are needed, -2 when it is not a gzip header. */
  private static int headerLength(byte[] b) {
    if (b.length < 10) {
      return b.length >= 1 && (b[0] & 0xff) != 0x1f
              || b.length >= 2 && (b[1] & 0xff) != 0x8b
              || b.length >= 3 && b[2] != 8
          ? -2
          : -1;
    }
    if ((b[0] & 0xff) != 0x1f || (b[1] & 0xff) != 0x8b || b[2] != 8) {
      return -2;
    }
    int flags = b[3] & 0xff;
    if ((flags & RESERVED) != 0) {
      return -2;
    }
    int p = 10;
    if ((flags & FEXTRA) != 0) {
      if (b.length < p + 2) {
        return -1;
      }
      p += 2 + ((b[p] & 0xff) | (b[p + 1] & 0xff) << 8);
    }
    for (int flag : new int[] {FNAME, FCOMMENT}) {
      if ((flags & flag) != 0) {
        while (p < b.length && b[p] != 0) {
          p++;
        }
        if (p >= b.length) {
          return -1;
        }
        p++;
      }
    }
    if ((flags & FHCRC) != 0) {
      p += 2;
    }
    return p <= b.length ? p : -1;
  }

  private static long le32(byte[] b, int at) {
    return (b[at] & 0xffL)
        | (b[at + 1] & 0xffL) << 8
        | (b[at + 2] & 0xffL) << 16
        | (b[at + 3] & 0xffL) << 24;
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      inflater.end();
    }
  }
}
