package io.attache.dataplane.filter.buffer;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.buffer.v3.Buffer;
import io.envoyproxy.envoy.extensions.filters.http.buffer.v3.BufferPerRoute;

/**
 * What the buffer filter does for a stream: off, or buffer the whole request up to {@code
 * maxRequestBytes}. Parsed once from the filter's {@code Buffer} or a route's {@code
 * BufferPerRoute} (Envoy's {@code BufferFilterSettings}). Immutable.
 */
record BufferSettings(boolean disabled, long maxRequestBytes) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.Buffer";
  static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.buffer.v3.BufferPerRoute";

  private static final BufferSettings DISABLED = new BufferSettings(true, 0);

  static BufferSettings from(Any typedConfig, String path) throws ConfigException {
    try {
      return from(typedConfig.unpack(Buffer.class), path);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Buffer: " + e.getMessage());
    }
  }

  static BufferSettings perRoute(Any typedConfig, String path) throws ConfigException {
    BufferPerRoute proto;
    try {
      proto = typedConfig.unpack(BufferPerRoute.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a BufferPerRoute: " + e.getMessage());
    }
    return switch (proto.getOverrideCase()) {
      case DISABLED -> {
        if (!proto.getDisabled()) {
          throw new ConfigException(path + ".disabled", "must be true when set (Envoy: const)");
        }
        yield DISABLED;
      }
      case BUFFER -> from(proto.getBuffer(), path + ".buffer");
      case OVERRIDE_NOT_SET ->
          throw new ConfigException(path, "one of disabled or buffer is required");
    };
  }

  private static BufferSettings from(Buffer proto, String path) throws ConfigException {
    if (!proto.hasMaxRequestBytes()) {
      throw new ConfigException(path + ".max_request_bytes", "is required");
    }
    long max = Integer.toUnsignedLong(proto.getMaxRequestBytes().getValue());
    if (max == 0) {
      throw new ConfigException(path + ".max_request_bytes", "must be greater than 0");
    }
    return new BufferSettings(false, max);
  }
}
