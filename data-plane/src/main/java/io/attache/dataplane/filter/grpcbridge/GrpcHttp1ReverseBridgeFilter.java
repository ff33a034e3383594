package io.attache.dataplane.filter.grpcbridge;

import io.attache.dataplane.filter.FilterDataStatus;
import io.attache.dataplane.filter.FilterHeadersStatus;
import io.attache.dataplane.filter.LocalReply;
import io.attache.dataplane.filter.StreamDecoderFilterCallbacks;
import io.attache.dataplane.filter.StreamEncoderFilterCallbacks;
import io.attache.dataplane.filter.StreamFilter;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * {@code envoy.filters.http.grpc_http1_reverse_bridge} for one stream: lets a plain HTTP/1.1 server
 * answer gRPC clients. A gRPC request goes upstream with the configured {@code content-type} (and
 * {@code accept}), without its 5-byte frame header under {@code withhold_grpc_frames}; the upstream
 * must answer with that content-type (else the client gets UNKNOWN). The response gets the client's
 * content-type back, its frame header added (measured by holding the body, or taken from {@code
 * response_size_header} while it streams) and a {@code grpc-status} trailer mapped from the HTTP
 * status as Envoy maps it (200 is OK). Envoy's order of decisions and its local-reply messages and
 * details. On the stream's event loop; holds a response body only to measure it, never past the
 * stream's buffer limit.
 */
final class GrpcHttp1ReverseBridgeFilter implements StreamFilter {
  private final GrpcHttp1ReverseBridgeConfig config;
  private StreamDecoderFilterCallbacks decoder;
  private StreamEncoderFilterCallbacks encoder;
  private boolean enabled;
  private boolean prefixStripped;
  private String downstreamContentType;
  private int grpcStatus;
  private long responseMessageLength;
  private boolean frameHeaderAdded;
  private long upstreamResponseBytes;
  private CompositeByteBuf heldResponse;

  GrpcHttp1ReverseBridgeFilter(GrpcHttp1ReverseBridgeConfig config) {
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
    if (endStream) {
      return FilterHeadersStatus.CONTINUE; // a headers-only request is left alone, as in Envoy
    }
    if (decoder
        .perRouteConfig(GrpcHttp1ReverseBridgeConfig.PerRoute.class)
        .map(GrpcHttp1ReverseBridgeConfig.PerRoute::disabled)
        .orElse(false)) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders headers = request.headers();
    if (GrpcWire.grpcContentType(headers)) {
      enabled = true;
      downstreamContentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
      headers.set(HttpHeaderNames.CONTENT_TYPE, config.contentType());
      headers.set(HttpHeaderNames.ACCEPT, config.contentType());
      if (config.withholdGrpcFrames()) {
        adjustContentLength(headers, -GrpcWire.FRAME_HEADER_SIZE);
      }
      decoder.clearRouteCache();
    }
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus decodeData(HttpContent data, boolean endStream) {
    if (enabled && config.withholdGrpcFrames() && !prefixStripped) {
      if (data.content().readableBytes() < GrpcWire.FRAME_HEADER_SIZE) {
        data.release();
        // Envoy's filter stays enabled: its own reply (application/grpc) then fails the
        // upstream content-type check, and the client gets that answer instead.
        decoder.sendLocalReply(
            LocalReply.grpc(decoder.alloc(), 2, "invalid request body"),
            "grpc_bridge_data_too_small");
        return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
      }
      data.content().skipBytes(GrpcWire.FRAME_HEADER_SIZE);
      prefixStripped = true;
    }
    return FilterDataStatus.CONTINUE;
  }

  @Override
  public FilterHeadersStatus encodeHeaders(HttpResponse response, boolean endStream) {
    if (!enabled) {
      return FilterHeadersStatus.CONTINUE;
    }
    HttpHeaders headers = response.headers();
    String contentType = headers.get(HttpHeaderNames.CONTENT_TYPE);
    if (!config.contentType().equals(contentType)) {
      String status = Integer.toString(response.status().code());
      localReply(
          2,
          contentType == null
              ? "envoy reverse bridge: upstream responded with no content-type header, status code "
                  + status
              : "envoy reverse bridge: upstream responded with unsupported content-type "
                  + contentType
                  + ", status code "
                  + status,
          "grpc_bridge_content_type_wrong");
      if (response instanceof FullHttpResponse full) {
        full.release(); // a whole response (or a local reply) stopped here goes no further
      }
      return FilterHeadersStatus.STOP_ITERATION;
    }
    headers.set(HttpHeaderNames.CONTENT_TYPE, downstreamContentType);
    if (config.withholdGrpcFrames()) {
      if (!config.responseSizeHeader().isEmpty()) {
        Long size = firstNumber(headers.get(config.responseSizeHeader()));
        if (size == null) {
          localReply(
              13,
              "envoy reverse bridge: upstream did not set content length",
              "grpc_bridge_content_length_missing");
          return FilterHeadersStatus.STOP_ITERATION;
        }
        responseMessageLength = size;
        headers.set(HttpHeaderNames.CONTENT_LENGTH, size + GrpcWire.FRAME_HEADER_SIZE);
      } else {
        // Envoy 1.40 counts the frame header in an empty body's length too ("0" becomes "5").
        Long length = firstNumber(headers.get(HttpHeaderNames.CONTENT_LENGTH));
        if (length != null) {
          headers.set(HttpHeaderNames.CONTENT_LENGTH, length + GrpcWire.FRAME_HEADER_SIZE);
        }
      }
    }
    // Envoy's upstream 200 is OK; any other status maps as gRPC's HTTP-to-status table does, and
    // Envoy 1.40 answers 200 with that status in the trailer (a gRPC client reads the trailer).
    int code = response.status().code();
    grpcStatus = code == 200 ? 0 : LocalReply.grpcStatusFor(code);
    response.setStatus(HttpResponseStatus.OK);
    if (endStream && response instanceof FullHttpResponse full && full.content().isReadable()) {
      return encodeWholeResponse(full);
    }
    return FilterHeadersStatus.CONTINUE;
  }

  /** Headers and body in one message: what {@link #encodeData} does to a last chunk, at once. */
  private FilterHeadersStatus encodeWholeResponse(FullHttpResponse full) {
    HttpContent body = framedLastChunk(full.content().retain(), full.trailingHeaders(), false);
    if (body == null) {
      return FilterHeadersStatus.STOP_ITERATION;
    }
    FullHttpResponse replacement =
        new DefaultFullHttpResponse(
            full.protocolVersion(),
            full.status(),
            body.content(),
            full.headers(),
            ((LastHttpContent) body).trailingHeaders());
    full.release();
    encoder.replaceResponseHeaders(replacement);
    return FilterHeadersStatus.CONTINUE;
  }

  @Override
  public FilterDataStatus encodeData(HttpContent data, boolean endStream) {
    if (!enabled) {
      return FilterDataStatus.CONTINUE;
    }
    if (data instanceof LastHttpContent last) {
      HttpContent framed = framedLastChunk(data.content().retain(), last.trailingHeaders(), true);
      data.release();
      if (framed != null) {
        encoder.injectEncodedDataToFilterChain(framed);
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
    upstreamResponseBytes += data.content().readableBytes();
    if (!config.withholdGrpcFrames()) {
      return FilterDataStatus.CONTINUE;
    }
    if (config.responseSizeHeader().isEmpty()) {
      // The frame header needs the whole body's length: hold it until the last chunk.
      if (heldResponse == null) {
        heldResponse = encoder.alloc().compositeBuffer(Integer.MAX_VALUE);
      }
      heldResponse.addComponent(true, data.content().retain());
      data.release();
      long limit = decoder.decoderBufferLimit();
      if (limit > 0 && heldResponse.readableBytes() > limit) {
        releaseHeld();
        encoder.resetStream(); // the headers are out: as the chain does past its buffer limit
      }
      return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
    }
    if (frameHeaderAdded) {
      return FilterDataStatus.CONTINUE;
    }
    frameHeaderAdded = true;
    encoder.injectEncodedDataToFilterChain(
        new DefaultHttpContent(withFrameHeader(data.content().retain(), responseMessageLength)));
    data.release();
    return FilterDataStatus.STOP_ITERATION_NO_BUFFER;
  }

  /**
   * The response's last chunk ({@code content}, owned here) with what Envoy adds at the end: the
   * frame header (with what was held before it, or checked against {@code response_size_header})
   * and the {@code grpc-status} trailer. Null when the stream was answered or reset instead; {@code
   * headersPassed}: the response headers went on before this chunk.
   */
  private HttpContent framedLastChunk(
      ByteBuf content, HttpHeaders upstreamTrailers, boolean headersPassed) {
    upstreamResponseBytes += content.readableBytes();
    ByteBuf body = content;
    if (config.withholdGrpcFrames()) {
      if (!config.responseSizeHeader().isEmpty()) {
        if (upstreamResponseBytes != responseMessageLength) {
          // Envoy reads an HTTP/1.1 body and its end separately: the body goes out (framed) before
          // the end finds the size wrong, and that local reply then resets the started stream.
          ByteBuf sent = content;
          if (!frameHeaderAdded) {
            frameHeaderAdded = true;
            sent = withFrameHeader(content, responseMessageLength);
          }
          if (headersPassed && sent.isReadable()) {
            encoder.injectEncodedDataToFilterChain(new DefaultHttpContent(sent));
          } else {
            sent.release(); // a whole response: nothing went out, the reply is trailers-only
          }
          localReply(
              13,
              "envoy reverse bridge: upstream set incorrect content length",
              "grpc_bridge_content_length_wrong");
          return null;
        }
        if (!frameHeaderAdded) {
          frameHeaderAdded = true;
          body = withFrameHeader(content, responseMessageLength);
        }
      } else {
        CompositeByteBuf whole = encoder.alloc().compositeBuffer(Integer.MAX_VALUE);
        if (heldResponse != null) {
          whole.addComponent(true, heldResponse);
          heldResponse = null;
        }
        whole.addComponent(true, content);
        body = withFrameHeader(whole, whole.readableBytes());
      }
    }
    DefaultLastHttpContent last = new DefaultLastHttpContent(body);
    last.trailingHeaders().set(upstreamTrailers);
    last.trailingHeaders().set("grpc-status", grpcStatus);
    return last;
  }

  private ByteBuf withFrameHeader(ByteBuf message, long length) {
    CompositeByteBuf framed = encoder.alloc().compositeBuffer(2);
    framed.addComponent(true, GrpcWire.frameHeader(encoder.alloc(), length));
    framed.addComponent(true, message);
    return framed;
  }

  /** A trailers-only gRPC answer; the filter steps aside so the reply itself passes it. */
  private void localReply(int grpcStatus, String message, String details) {
    enabled = false;
    decoder.sendLocalReply(LocalReply.grpc(decoder.alloc(), grpcStatus, message), details);
  }

  /** Envoy's {@code adjustContentLength}: a present, numeric, non-zero length moves by delta. */
  private static void adjustContentLength(HttpHeaders headers, int delta) {
    Long length = firstNumber(headers.get(HttpHeaderNames.CONTENT_LENGTH));
    if (length != null && length != 0) {
      headers.set(HttpHeaderNames.CONTENT_LENGTH, length + delta);
    }
  }

  /** The number before any ',' of a header value; null when absent or not a number. */
  private static Long firstNumber(String value) {
    if (value == null) {
      return null;
    }
    int comma = value.indexOf(',');
    String digits = (comma < 0 ? value : value.substring(0, comma)).strip();
    if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 18) {
      return null;
    }
    return Long.parseLong(digits);
  }

  @Override
  public void onDestroy() {
    releaseHeld();
  }

  private void releaseHeld() {
    if (heldResponse != null) {
      heldResponse.release();
      heldResponse = null;
    }
  }
}
