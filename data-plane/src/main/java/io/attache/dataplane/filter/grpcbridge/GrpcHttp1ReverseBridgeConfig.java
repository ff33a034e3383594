package io.attache.dataplane.filter.grpcbridge;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig;
import io.envoyproxy.envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfigPerRoute;

/**
 * {@code envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig}, parsed once.
 * Immutable.
 *
 * @param contentType the {@code content-type} (and {@code accept}) the upstream gets and must
 *     answer with
 * @param withholdGrpcFrames the upstream sees bare messages: the request's frame header is taken
 *     off, the response's added
 * @param responseSizeHeader the upstream header giving the response's size (the response then
 *     streams); empty: the response is held whole to measure it
 */
record GrpcHttp1ReverseBridgeConfig(
    String contentType, boolean withholdGrpcFrames, String responseSizeHeader) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3.FilterConfig";
  static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.grpc_http1_reverse_bridge.v3"
          + ".FilterConfigPerRoute";

  /** {@code FilterConfigPerRoute}: {@code disabled} turns the filter off for a route. */
  record PerRoute(boolean disabled) {}

  static GrpcHttp1ReverseBridgeConfig from(Any typedConfig, String path) throws ConfigException {
    FilterConfig proto;
    try {
      proto = typedConfig.unpack(FilterConfig.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a grpc_http1_reverse_bridge FilterConfig: " + e);
    }
    if (proto.getContentType().isEmpty()) {
      throw new ConfigException(path + ".content_type", "is required (min_len 1)");
    }
    String sizeHeader = proto.getResponseSizeHeader();
    if (!sizeHeader.isEmpty()
        && !sizeHeader.chars().allMatch(GrpcHttp1ReverseBridgeConfig::token)) {
      throw new ConfigException(
          path + ".response_size_header", "not a valid HTTP header name: " + sizeHeader);
    }
    return new GrpcHttp1ReverseBridgeConfig(
        proto.getContentType(),
        proto.getWithholdGrpcFrames(),
        sizeHeader.toLowerCase(java.util.Locale.ROOT));
  }

  static PerRoute perRoute(Any typedConfig, String path) throws ConfigException {
    try {
      return new PerRoute(typedConfig.unpack(FilterConfigPerRoute.class).getDisabled());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a grpc_http1_reverse_bridge FilterConfigPerRoute: " + e);
    }
  }

  /** An RFC 7230 token character (no control characters, no separators). */
  private static boolean token(int c) {
    return c > 32 && c < 127 && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
  }
}
