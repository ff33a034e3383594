package io.attache.dataplane.filter.grpcbridge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * What the two gRPC bridges need of gRPC's wire format: Envoy's content-type tests ({@code
 * Grpc::Common::isGrpcRequestHeaders}, {@code isProtobufRequestHeaders}) and the 5-byte message
 * frame header (one compressed-flag byte, a big-endian length). Stateless; never looks inside a
 * message.
 */
final class GrpcWire {
  /** {@code Grpc::GRPC_FRAME_HEADER_SIZE}. */
  static final int FRAME_HEADER_SIZE = 5;

  static final String GRPC = "application/grpc";
  static final String PROTOBUF = "application/x-protobuf";

  private GrpcWire() {}

  /**
   * A gRPC request: {@code content-type} {@code application/grpc}, or {@code application/grpc}
   * followed by {@code +} or {@code ;}.
   */
  static boolean grpcContentType(HttpHeaders headers) {
    String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
    if (contentType == null || !contentType.startsWith(GRPC)) {
      return false;
    }
    return contentType.length() == GRPC.length()
        || contentType.charAt(GRPC.length()) == '+'
        || contentType.charAt(GRPC.length()) == ';';
  }

  /** A plain protobuf request: {@code content-type} exactly {@code application/x-protobuf}. */
  static boolean protobufContentType(HttpHeaders headers) {
    return PROTOBUF.equals(headers.get(HttpHeaderNames.CONTENT_TYPE));
  }

  /** An uncompressed message's frame header for a message of {@code length} bytes. */
  static ByteBuf frameHeader(ByteBufAllocator alloc, long length) {
    ByteBuf header = alloc.buffer(FRAME_HEADER_SIZE);
    header.writeByte(0);
    header.writeInt((int) length);
    return header;
  }
}
