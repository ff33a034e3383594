package io.attache.dataplane.filter;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import java.nio.charset.StandardCharsets;

/**
 * Responses the proxy writes itself (no route, no healthy upstream, timeouts), shaped as Envoy
 * shapes them: {@code text/plain} bodies, and for gRPC requests a trailers-only response with the
 * mapped {@code grpc-status} so gRPC clients see a status, not an HTTP error.
 */
public final class LocalReply {
  private LocalReply() {}

  public static FullHttpResponse build(
      ByteBufAllocator alloc, int status, String body, boolean grpcRequest) {
    if (grpcRequest) {
      FullHttpResponse r =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1,
              HttpResponseStatus.OK,
              alloc.buffer(0),
              new DefaultHttpHeaders(),
              new DefaultHttpHeaders());
      r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
      r.headers().set("grpc-status", Integer.toString(grpcStatusFor(status)));
      if (!body.isEmpty()) {
        r.headers().set("grpc-message", body);
      }
      // No content-length: Envoy's HTTP/1 codec adds "0" to a headers-only response, HTTP/2's none.
      return r;
    }
    ByteBuf content = alloc.buffer(body.length());
    content.writeCharSequence(body, StandardCharsets.UTF_8);
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), content);
    HttpHeaders h = r.headers();
    if (content.readableBytes() > 0) {
      h.set(HttpHeaderNames.CONTENT_TYPE, "text/plain");
    }
    h.set(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
    return r;
  }

  /** A trailers-only gRPC response with an explicit {@code grpc-status} (fault aborts). */
  public static FullHttpResponse grpc(ByteBufAllocator alloc, int grpcStatus, String message) {
    FullHttpResponse r =
        new DefaultFullHttpResponse(
            HttpVersion.HTTP_1_1,
            HttpResponseStatus.OK,
            alloc.buffer(0),
            new DefaultHttpHeaders(),
            new DefaultHttpHeaders());
    r.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/grpc");
    r.headers().set("grpc-status", Integer.toString(grpcStatus));
    if (!message.isEmpty()) {
      r.headers().set("grpc-message", message);
    }
    return r;
  }

  /** Envoy's HTTP → gRPC status mapping for local replies (grpc/doc/http-grpc-status-mapping). */
  public static int grpcStatusFor(int httpStatus) {
    return switch (httpStatus) {
      case 400 -> 13; // INTERNAL
      case 401 -> 16; // UNAUTHENTICATED
      case 403 -> 7; // PERMISSION_DENIED
      case 404 -> 12; // UNIMPLEMENTED
      case 429, 502, 503, 504 -> 14; // UNAVAILABLE
      default -> 2; // UNKNOWN
    };
  }
}
