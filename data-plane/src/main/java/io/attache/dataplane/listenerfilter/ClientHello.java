package io.attache.dataplane.listenerfilter;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the server name (SNI) and ALPN protocols out of a TLS ClientHello without consuming or
 * changing the bytes, as {@code tls_inspector} does. The handshake message may span several TLS
 * records. Holds no state; never reads past what it is given.
 */
final class ClientHello {
  static final int MAX_CLIENT_HELLO_SIZE = 64 * 1024;
  private static final int RECORD_HEADER = 5;
  private static final int CONTENT_HANDSHAKE = 22;
  private static final int HANDSHAKE_CLIENT_HELLO = 1;
  private static final int EXT_SERVER_NAME = 0;
  private static final int EXT_ALPN = 16;

  enum Outcome {
    /** A complete ClientHello was read. */
    FOUND,
    /** The bytes so far start like one; more are needed. */
    NEED_MORE,
    /** Not TLS, or not a ClientHello: the connection is something else. */
    NOT_TLS,
    /** Larger than {@link #MAX_CLIENT_HELLO_SIZE}. */
    TOO_LARGE
  }

  record Result(Outcome outcome, String serverName, List<String> alpn) {
    static Result of(Outcome outcome) {
      return new Result(outcome, "", List.of());
    }
  }

  private ClientHello() {}

  static Result parse(ByteBuf in) {
    // Gather the handshake fragments of consecutive handshake records.
    int index = in.readerIndex();
    int end = in.writerIndex();
    byte[] handshake = new byte[0];
    int have = 0;
    while (true) {
      if (end - index < RECORD_HEADER) {
        return have == 0 && end - index > 0 && !plausibleStart(in, index, end)
            ? Result.of(Outcome.NOT_TLS)
            : Result.of(Outcome.NEED_MORE);
      }
      int type = in.getUnsignedByte(index);
      int major = in.getUnsignedByte(index + 1);
      int length = in.getUnsignedShort(index + 3);
      if (type != CONTENT_HANDSHAKE || major != 3 || length == 0) {
        return Result.of(Outcome.NOT_TLS);
      }
      if (have + length > MAX_CLIENT_HELLO_SIZE) {
        return Result.of(Outcome.TOO_LARGE);
      }
      if (have == 0 && end - index >= RECORD_HEADER + 4) {
        // The handshake header says how long the ClientHello is before all of it has arrived.
        if (in.getUnsignedByte(index + RECORD_HEADER) != HANDSHAKE_CLIENT_HELLO) {
          return Result.of(Outcome.NOT_TLS);
        }
        if (in.getUnsignedMedium(index + RECORD_HEADER + 1) + 4 > MAX_CLIENT_HELLO_SIZE) {
          return Result.of(Outcome.TOO_LARGE);
        }
      }
      if (end - index - RECORD_HEADER < length) {
        return Result.of(Outcome.NEED_MORE);
      }
      byte[] grown = new byte[have + length];
      System.arraycopy(handshake, 0, grown, 0, have);
      in.getBytes(index + RECORD_HEADER, grown, have, length);
      handshake = grown;
      have += length;
      index += RECORD_HEADER + length;
      if (have >= 4) {
        if ((handshake[0] & 0xff) != HANDSHAKE_CLIENT_HELLO) {
          return Result.of(Outcome.NOT_TLS);
        }
        int bodyLength =
            ((handshake[1] & 0xff) << 16) | ((handshake[2] & 0xff) << 8) | (handshake[3] & 0xff);
        if (bodyLength + 4 > MAX_CLIENT_HELLO_SIZE) {
          return Result.of(Outcome.TOO_LARGE);
        }
        if (have >= bodyLength + 4) {
          return body(handshake, 4, 4 + bodyLength);
        }
      }
    }
  }

  private static boolean plausibleStart(ByteBuf in, int index, int end) {
    if (in.getUnsignedByte(index) != CONTENT_HANDSHAKE) {
      return false;
    }
    return end - index < 2 || in.getUnsignedByte(index + 1) == 3;
  }

  private static Result body(byte[] b, int from, int to) {
    try {
      int p = from + 2 + 32; // client_version, random
      p += 1 + u8(b, p, to); // session_id
      p += 2 + u16(b, p, to); // cipher_suites
      p += 1 + u8(b, p, to); // compression_methods
      String serverName = "";
      List<String> alpn = new ArrayList<>();
      if (p == to) {
        return new Result(Outcome.FOUND, serverName, List.of()); // no extensions at all
      }
      int extensionsEnd = p + 2 + u16(b, p, to);
      check(extensionsEnd <= to);
      p += 2;
      while (p < extensionsEnd) {
        int type = u16(b, p, extensionsEnd);
        int length = u16(b, p + 2, extensionsEnd);
        int data = p + 4;
        int dataEnd = data + length;
        check(dataEnd <= extensionsEnd);
        if (type == EXT_SERVER_NAME) {
          serverName = serverName(b, data, dataEnd);
        } else if (type == EXT_ALPN) {
          int listEnd = data + 2 + u16(b, data, dataEnd);
          check(listEnd <= dataEnd);
          for (int q = data + 2; q < listEnd; ) {
            int n = u8(b, q, listEnd);
            check(q + 1 + n <= listEnd && n > 0);
            alpn.add(new String(b, q + 1, n, StandardCharsets.US_ASCII));
            q += 1 + n;
          }
        }
        p = dataEnd;
      }
      return new Result(Outcome.FOUND, serverName, List.copyOf(alpn));
    } catch (Malformed e) {
      return Result.of(Outcome.NOT_TLS);
    }
  }

  private static String serverName(byte[] b, int from, int to) {
    int listEnd = from + 2 + u16(b, from, to);
    check(listEnd <= to);
    for (int q = from + 2; q < listEnd; ) {
      int nameType = u8(b, q, listEnd);
      int n = u16(b, q + 1, listEnd);
      check(q + 3 + n <= listEnd);
      if (nameType == 0) {
        // Envoy compares server names case-insensitively: it lower-cases the SNI.
        return new String(b, q + 3, n, StandardCharsets.US_ASCII)
            .toLowerCase(java.util.Locale.ROOT);
      }
      q += 3 + n;
    }
    return "";
  }

  private static int u8(byte[] b, int at, int limit) {
    check(at + 1 <= limit);
    return b[at] & 0xff;
  }

  private static int u16(byte[] b, int at, int limit) {
    check(at + 2 <= limit);
    return ((b[at] & 0xff) << 8) | (b[at + 1] & 0xff);
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new Malformed();
    }
  }

  /** A length that points past its container: not a ClientHello we can read. */
  private static final class Malformed extends RuntimeException {
    Malformed() {
      super(null, null, false, false);
    }
  }
}
