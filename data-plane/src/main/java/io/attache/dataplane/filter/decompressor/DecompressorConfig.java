package io.attache.dataplane.filter.decompressor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag;
import io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor;
import io.envoyproxy.envoy.extensions.filters.http.decompressor.v3.Decompressor.CommonDirectionConfig;

/**
 * A parsed {@code Decompressor}: the library (gzip, brotli or zstd) and, per direction, whether it
 * runs and whether it ignores {@code cache-control: no-transform}. Both directions decompress when
 * their config is absent, as in Envoy. Immutable.
 *
 * @param libraryName {@code decompressor_library.name}: the stat segment after {@code
 *     decompressor.}
 * @param library {@code decompressor_library.typed_config}: the coding and the decoders
 * @param advertiseAcceptEncoding {@code request_direction_config.advertise_accept_encoding}
 *     (default true): append the encoding to the request's {@code accept-encoding} when responses
 *     are decompressed
 */
record DecompressorConfig(
    String libraryName,
    DecompressorLibrary library,
    Direction request,
    Direction response,
    boolean advertiseAcceptEncoding) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.decompressor.v3.Decompressor";

  /**
   * One direction's {@code CommonDirectionConfig}.
   *
   * @param enabledByDefault {@code enabled.default_value} (true when unset)
   * @param enabledRuntimeKey {@code enabled.runtime_key}, read per message; empty for none
   * @param ignoreNoTransformHeader decompress even under {@code cache-control: no-transform}
   */
  record Direction(
      boolean enabledByDefault, String enabledRuntimeKey, boolean ignoreNoTransformHeader) {}

  static DecompressorConfig from(Any typedConfig, String path) throws ConfigException {
    Decompressor proto;
    try {
      proto = typedConfig.unpack(Decompressor.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Decompressor: " + e.getMessage());
    }
    if (!proto.hasDecompressorLibrary()) {
      throw new ConfigException(path + ".decompressor_library", "is required");
    }
    String libraryPath = path + ".decompressor_library";
    DecompressorLibrary library =
        DecompressorLibrary.from(
            proto.getDecompressorLibrary().getTypedConfig(), libraryPath + ".typed_config");
    Decompressor.RequestDirectionConfig request = proto.getRequestDirectionConfig();
    return new DecompressorConfig(
        proto.getDecompressorLibrary().getName(),
        library,
        direction(request.getCommonConfig(), path + ".request_direction_config.common_config"),
        direction(
            proto.getResponseDirectionConfig().getCommonConfig(),
            path + ".response_direction_config.common_config"),
        !request.hasAdvertiseAcceptEncoding() || request.getAdvertiseAcceptEncoding().getValue());
  }

  /** The {@code content-encoding} this filter removes. */
  String encoding() {
    return library.encoding();
  }

  private static Direction direction(CommonDirectionConfig common, String path)
      throws ConfigException {
    boolean enabledByDefault = true;
    String runtimeKey = "";
    if (common.hasEnabled()) {
      RuntimeFeatureFlag flag = common.getEnabled();
      if (!flag.hasDefaultValue()) {
        throw new ConfigException(path + ".enabled.default_value", "is required");
      }
      enabledByDefault = flag.getDefaultValue().getValue();
      runtimeKey = flag.getRuntimeKey();
    }
    return new Direction(enabledByDefault, runtimeKey, common.getIgnoreNoTransformHeader());
  }
}
