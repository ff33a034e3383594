package io.attache.dataplane.filter.grpcbridge;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.FilterTrailersStatus;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code envoy.filters.http.grpc_http1_bridge} for one stream: lets an HTTP/1.x client that cannot
 * read trailers call a gRPC server. For a gRPC request on an HTTP/1.x connection it holds the whole
 * response until its trailers, then answers with {@code grpc-status} and {@code grpc-message} as
 * headers, {@code 503} when the status is not 0, and the body's {@code content-length}. With {@code
 * upgrade_protobuf_to_grpc} an {@code application/x-protobuf} request is framed as one gRPC message
 * and the response's frame header is taken off again. Envoy's order of decisions, quirks included
 * (a headers-only or trailer-less response passes unchanged). On the stream's event loop; holds the
 * request body only when it frames it, never more than the stream's buffer limit.
 */
final class GrpcHttp1BridgeFilter implements StreamFilter {
  private final GrpcHttp1BridgeConfig config;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private boolean bridging;
  private boolean framing;
  private CompositeByteBuf requestBody;
  private HttpResponse responseHeaders;
  private long responseBytes;
  private int frameBytesToStrip = GrpcWire.FRAME_HEADER_SIZE;

  GrpcHttp1BridgeFilter(GrpcHttp1BridgeConfig config) {
    this.config = config;
  }

  @Override
  public void setDecoderFilterCallbacks(StreamDecoderFilterCallbacks callbacks) {
    this.decoder = callbacks;
  }

  @Override
  public void setEncoderFilterCallbacks(StreamEncoderFilterCallbacks callbacks) {
    this.encoder = callbacks;
  }

  @Override
  public FilterHeadersStatus decodeHeaders(HttpRequest request, boolean endStream) {
    HttpHeaders headers = request.headers();
    if (config.upgradeProtobufToGrpc() && GrpcWire.protobufContentType(headers)) {
      framing = true;
      headers.set(HttpHeaderNames.CONTENT_TYPE, GrpcWire.GRPC);
      headers.remove(HttpHeaderNames.CONTENT_LENGTH); // the frame carries the message's length
      decoder.clearRouteCache();
    }
    // Envoy bridges HTTP/1.0 and HTTP/1.1 (protocol < HTTP/2) only.
    bridging = !decoder.connection().http2() && GrpcWire.grpcContentType(headers);
    if (bridging && config.ignoreQueryParameters()) {
      int query = request.uri().indexOf('?');
      if (query >= 0) {
        request.setUri(request.uri().substring(0, query));
      }
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (!bridging || !framing) {
      return FilterDataStatus.CONTINUE;
    }
    // The frame header needs the whole message's length: hold the body, then pass it on framed.
    if (requestBody == null) {
      requestBody = decoder.alloc().compositeBuffer(Integer.MAX_VALUE);
    }
    requestBody.addComponent(true, data.content().retain());
    boolean last = data instanceof LastHttpContent;
    HttpHeaders trailers = last ? ((LastHttpContent) data).trailingHeaders().copy() : null;
    data.release();
    long limit = decoder.decoderBufferLimit();
    if (limit > 0 && requestBody.readableBytes() > limit) {
      releaseRequestBody();
      decoder.sendLocalReply(413, "Payload Too Large", "request_payload_too_large");
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
    if (!last) {
      decoder.requestMoreData();
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
    CompositeByteBuf framed = decoder.alloc().compositeBuffer(2);
    framed.addComponent(true, GrpcWire.frameHeader(decoder.alloc(), requestBody.readableBytes()));
    framed.addComponent(true, requestBody);
    requestBody = null;
    DefaultLastHttpContent message = new DefaultLastHttpContent(framed);
    message.trailingHeaders().set(trailers);
    decoder.injectDecodedDataToFilterChain(message);
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (!bridging || endStream) {
      return FilterHeadersStatus.CONTINUE;
    }
    responseHeaders = response;
    return FilterHeadersStatus.STOP_ITERATION;
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    if (!bridging || endStream) {
      return FilterDataStatus.CONTINUE; // Envoy's quirk: a response without trailers passes as is
    }
    if (framing && frameBytesToStrip > 0) {
      int strip = Math.min(frameBytesToStrip, data.content().readableBytes());
      data.content().skipBytes(strip);
      frameBytesToStrip -= strip;
    }
    responseBytes += data.content().readableBytes();
    // Netty carries the trailers on the last chunk: continue it so that encodeTrailers runs.
    return data instanceof LastHttpContent
        ? FilterDataStatus.CONTINUE
        : FilterDataStatus.STOP_ITERATION_AND_BUFFER;
  }

  @Override
  public FilterTrailersStatus encodeTrailers(HttpHeaders trailers) {
    if (!bridging) {
      return FilterTrailersStatus.CONTINUE;
    }
    HttpHeaders headers = responseHeaders.headers();
    String grpcStatus = trailers.get("grpc-status");
    if (grpcStatus != null) {
      if (!isZero(grpcStatus)) {
        responseHeaders.setStatus(HttpResponseStatus.SERVICE_UNAVAILABLE);
      }
      headers.set("grpc-status", grpcStatus);
    }
    String grpcMessage = trailers.get("grpc-message");
    if (grpcMessage != null) {
      headers.set("grpc-message", grpcMessage);
    }
    // Buffered whole: a content-length tells the HTTP/1.1 client the response is complete.
    headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
    headers.set(HttpHeaderNames.CONTENT_LENGTH, responseBytes);
    return FilterTrailersStatus.CONTINUE;
  }

  /** absl::SimpleAtoi's reading of a status: a number, surrounding blanks and a '+' allowed. */
  private static boolean isZero(String status) {
    String digits = status.strip();
    if (digits.startsWith("+")) {
      digits = digits.substring(1);
    }
    return !digits.isEmpty() && digits.chars().allMatch(c -> c == '0');
  }

  @Override
  public void onDestroy() {
    releaseRequestBody();
  }

  private void releaseRequestBody() {
    if (requestBody != null) {
      requestBody.release();
      requestBody = null;
    }
  }
}
