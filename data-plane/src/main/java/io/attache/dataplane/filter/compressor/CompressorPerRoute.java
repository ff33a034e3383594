package io.attache.dataplane.filter.compressor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import java.util.Optional;

/**
 * A route's {@code CompressorPerRoute}: {@code disabled} turns response compression off; {@code
 * overrides.response_direction_config} turns it on (even when the filter's runtime flag is off) and
 * may override {@code remove_accept_encoding_header}. Empty values leave the filter's config.
 * Immutable.
 */
record CompressorPerRoute(
    Optional<Boolean> responseCompressionEnabled, Optional<Boolean> removeAcceptEncodingHeader) {

  static CompressorPerRoute from(Any typedConfig, String path) throws ConfigException {
    io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorPerRoute proto;
    try {
      proto =
          typedConfig.unpack(
              io.envoyproxy.envoy.extensions.filters.http.compressor.v3.CompressorPerRoute.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a CompressorPerRoute: " + e.getMessage());
    }
    return switch (proto.getOverrideCase()) {
      case DISABLED -> {
        if (!proto.getDisabled()) {
          throw new ConfigException(path + ".disabled", "must be true when set (Envoy: const)");
        }
        yield new CompressorPerRoute(Optional.of(false), Optional.empty());
      }
      case OVERRIDES -> {
        if (!proto.getOverrides().hasResponseDirectionConfig()) {
          yield new CompressorPerRoute(Optional.empty(), Optional.empty());
        }
        var response = proto.getOverrides().getResponseDirectionConfig();
        yield new CompressorPerRoute(
            Optional.of(true),
            response.hasRemoveAcceptEncodingHeader()
                ? Optional.of(response.getRemoveAcceptEncodingHeader().getValue())
                : Optional.empty());
      }
      case OVERRIDE_NOT_SET ->
          throw new ConfigException(path, "one of disabled or overrides is required");
    };
  }
}
