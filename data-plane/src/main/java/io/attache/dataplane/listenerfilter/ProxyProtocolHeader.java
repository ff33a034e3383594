package io.attache.dataplane.listenerfilter;

import io.netty.buffer.ByteBuf;
import io.netty.util.NetUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;

/**
 * Reads a PROXY protocol header (HAProxy's v1 text line or v2 binary block) at the start of a
 * connection's bytes as Envoy's {@code proxy_protocol} listener filter does: it waits until it can
 * decide, never past what a header may hold (108 bytes for v1; 16 plus the announced length for
 * v2), and answers how many bytes the header took. It only reads: the caller skips the header.
 * Stateless and thread-safe; it must never consume or change the buffer.
 */
final class ProxyProtocolHeader {
  static final int V1_MAX_LENGTH = 108;
  static final int V2_HEADER_LENGTH = 16;
  private static final byte[] V1_SIGNATURE = "PROXY ".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] V2_SIGNATURE = {
    0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
  };

  /** What the bytes so far are. */
  enum Outcome {
    /** Not decidable yet: read more. */
    NEED_MORE,
    /** A header of {@link Result#version}; its addresses replace the connection's (if any). */
    FOUND,
    /** No header, and the config allows that: the bytes pass on untouched. */
    NOT_FOUND_ALLOWED,
    /** No header where one is required. */
    NOT_FOUND_DISALLOWED,
    /** A header of {@link Result#version} that is malformed or of an unsupported family. */
    ERROR,
    /** A header of a version in {@code disallowed_versions}. */
    DISALLOWED
  }

  /**
   * One decision. {@code source} and {@code destination} are null for a header that carries none
   * (v1 {@code UNKNOWN}, v2 {@code LOCAL} or {@code AF_UNSPEC}): the connection keeps its own.
   */
  record Result(
      Outcome outcome,
      int version,
      int length,
      InetSocketAddress source,
      InetSocketAddress destination) {
    static final Result NEED_MORE = new Result(Outcome.NEED_MORE, 0, 0, null, null);
    static final Result NOT_FOUND_ALLOWED = new Result(Outcome.NOT_FOUND_ALLOWED, 0, 0, null, null);
    static final Result NOT_FOUND_DISALLOWED =
        new Result(Outcome.NOT_FOUND_DISALLOWED, 0, 0, null, null);

    static Result error(int version) {
      return new Result(Outcome.ERROR, version, 0, null, null);
    }

    static Result disallowed(int version) {
      return new Result(Outcome.DISALLOWED, version, 0, null, null);
    }

    static Result found(int version, int length, InetSocketAddress src, InetSocketAddress dst) {
      return new Result(Outcome.FOUND, version, length, src, dst);
    }
  }

  private ProxyProtocolHeader() {}

  /**
   * Decides on the readable bytes of {@code in}. A disallowed version is still recognised (and
   * refused) unless requests without a header are allowed, in which case such a header is, as in
   * Envoy, just bytes that are not a header.
   */
  static Result read(ByteBuf in, boolean v1Allowed, boolean v2Allowed, boolean allowWithout) {
    boolean lookForV1 = v1Allowed || !allowWithout;
    boolean lookForV2 = v2Allowed || !allowWithout;
    int n = in.readableBytes();
    if (lookForV2 && startsWithPartOf(in, V2_SIGNATURE)) {
      return n < V2_SIGNATURE.length ? Result.NEED_MORE : v2(in, v2Allowed);
    }
    if (allowWithout) {
      if (!lookForV1 || !startsWithPartOf(in, V1_SIGNATURE)) {
        return n == 0 ? Result.NEED_MORE : Result.NOT_FOUND_ALLOWED;
      }
      if (n < V1_SIGNATURE.length) {
        return Result.NEED_MORE;
      }
      Result r = v1(in, v1Allowed);
      // It began as a v1 header: running out of room is a broken one, not a missing one.
      return r.outcome() == Outcome.NOT_FOUND_DISALLOWED ? Result.error(1) : r;
    }
    return v1(in, v1Allowed);
  }

  /** Whether the readable bytes (as many as there are, up to its length) begin {@code prefix}. */
  private static boolean startsWithPartOf(ByteBuf in, byte[] prefix) {
    int n = Math.min(in.readableBytes(), prefix.length);
    for (int i = 0; i < n; i++) {
      if (in.getByte(in.readerIndex() + i) != prefix[i]) {
        return false;
      }
    }
    return n > 0 || prefix.length == 0;
  }

  /** {@code PROXY TCP4|TCP6 <src> <dst> <sport> <dport>\r\n} or {@code PROXY UNKNOWN ...\r\n}. */
  private static Result v1(ByteBuf in, boolean allowed) {
    int start = in.readerIndex();
    int limit = Math.min(in.readableBytes(), V1_MAX_LENGTH);
    int crlf = -1;
    for (int i = 0; i + 1 < limit; i++) {
      if (in.getByte(start + i) == '\r' && in.getByte(start + i + 1) == '\n') {
        crlf = i;
        break;
      }
    }
    if (crlf < 0) {
      return in.readableBytes() >= V1_MAX_LENGTH ? Result.NOT_FOUND_DISALLOWED : Result.NEED_MORE;
    }
    if (!allowed) {
      return Result.disallowed(1);
    }
    String line = in.toString(start, crlf, StandardCharsets.US_ASCII);
    int length = crlf + 2;
    String[] parts = line.split(" ", -1);
    if (parts.length < 2 || !parts[0].equals("PROXY")) {
      return Result.error(1);
    }
    if (parts[1].equals("UNKNOWN")) {
      return Result.found(1, length, null, null);
    }
    if (parts.length != 6 || !(parts[1].equals("TCP4") || parts[1].equals("TCP6"))) {
      return Result.error(1);
    }
    boolean v4 = parts[1].equals("TCP4");
    InetAddress src = literal(parts[2], v4);
    InetAddress dst = literal(parts[3], v4);
    int sport = port(parts[4]);
    int dport = port(parts[5]);
    if (src == null || dst == null || sport < 0 || dport < 0) {
      return Result.error(1);
    }
    return Result.found(
        1, length, new InetSocketAddress(src, sport), new InetSocketAddress(dst, dport));
  }

  private static InetAddress literal(String text, boolean v4) {
    boolean valid = v4 ? NetUtil.isValidIpV4Address(text) : NetUtil.isValidIpV6Address(text);
    if (!valid) {
      return null;
    }
    byte[] bytes = NetUtil.createByteArrayFromIpAddressString(text);
    try {
      return bytes == null ? null : InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static int port(String text) {
    if (text.isEmpty() || text.length() > 5) {
      return -1;
    }
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) < '0' || text.charAt(i) > '9') {
        return -1;
      }
    }
    int port = Integer.parseInt(text);
    return port <= 65535 ? port : -1;
  }

  /**
   * The binary header: signature, version 2 and a command (LOCAL or PROXY), the family and
   * transport, the length of what follows (addresses, then TLVs, which are skipped).
   */
  private static Result v2(ByteBuf in, boolean allowed) {
    int start = in.readerIndex();
    if (in.readableBytes() < V2_HEADER_LENGTH) {
      return Result.NEED_MORE;
    }
    int versionAndCommand = in.getUnsignedByte(start + 12);
    if (versionAndCommand >> 4 != 2) {
      return Result.error(2);
    }
    if (!allowed) {
      return Result.disallowed(2);
    }
    int command = versionAndCommand & 0x0F;
    int family = in.getUnsignedByte(start + 13) >> 4;
    int length = V2_HEADER_LENGTH + in.getUnsignedShort(start + 14);
    if (command > 1) {
      return Result.error(2);
    }
    if (in.readableBytes() < length) {
      return Result.NEED_MORE;
    }
    if (command == 0 || family == 0) {
      return Result.found(2, length, null, null); // LOCAL, or PROXY with AF_UNSPEC
    }
    int addressBytes =
        switch (family) {
          case 1 -> 4;
          case 2 -> 16;
          default -> -1; // AF_UNIX and anything else: Envoy closes the connection
        };
    if (addressBytes < 0 || length - V2_HEADER_LENGTH < 2 * addressBytes + 4) {
      return Result.error(2);
    }
    byte[] src = new byte[addressBytes];
    byte[] dst = new byte[addressBytes];
    int at = start + V2_HEADER_LENGTH;
    in.getBytes(at, src);
    in.getBytes(at + addressBytes, dst);
    int sport = in.getUnsignedShort(at + 2 * addressBytes);
    int dport = in.getUnsignedShort(at + 2 * addressBytes + 2);
    try {
      return Result.found(
          2,
          length,
          new InetSocketAddress(InetAddress.getByAddress(src), sport),
          new InetSocketAddress(InetAddress.getByAddress(dst), dport));
    } catch (UnknownHostException e) {
      return Result.error(2); // not reached: the lengths are 4 or 16
    }
  }
}
