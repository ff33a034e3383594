package io.attache.dataplane.filter.compressor;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.RuntimeFeatureFlag;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor;
import io.envoyproxy.envoy.extensions.filters.http.compressor.v3.Compressor.CommonDirectionConfig;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A parsed {@code Compressor}: the library (gzip, brotli or zstd), and what each direction
 * compresses. The deprecated top-level fields ({@code content_length}, {@code content_type}, {@code
 * disable_on_etag_header}, {@code remove_accept_encoding_header}, {@code runtime_enabled}) apply to
 * responses when {@code response_direction_config} is absent, as in Envoy; the stats then lose
 * their {@code response.} segment. Immutable.
 *
 * @param libraryName {@code compressor_library.name}: the stat segment after {@code compressor.}
 * @param library {@code compressor_library.typed_config}: the coding and the encoders
 * @param responseDirectionSet whether {@code response_direction_config} was given (stat names)
 */
record CompressorConfig(
    String libraryName,
    CompressorLibrary library,
    Direction request,
    boolean requestDirectionSet,
    Direction response,
    boolean responseDirectionSet,
    boolean disableOnEtagHeader,
    boolean removeAcceptEncodingHeader,
    Set<Integer> uncompressibleResponseCodes,
    boolean chooseFirst) {
  static final String TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.Compressor";
  static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/envoy.extensions.filters.http.compressor.v3.CompressorPerRoute";

  /** Envoy's default {@code content_type} list (when none is configured). */
  static final Set<String> DEFAULT_CONTENT_TYPES =
      Set.of(
          "text/html",
          "text/plain",
          "text/css",
          "application/javascript",
          "application/x-javascript",
          "text/javascript",
          "text/x-javascript",
          "text/ecmascript",
          "text/js",
          "text/jscript",
          "text/x-js",
          "application/ecmascript",
          "application/x-json",
          "application/xml",
          "application/json",
          "image/svg+xml",
          "text/xml",
          "application/xhtml+xml",
          "application/grpc-web",
          "application/grpc-web+proto");

  /**
   * One direction's {@code CommonDirectionConfig}.
   *
   * @param enabledByDefault {@code enabled.default_value} (true when unset)
   * @param enabledRuntimeKey {@code enabled.runtime_key}, read per request; empty for none
   * @param minContentLength below it a {@code content-length} is too small (default 30)
   * @param contentTypes lower-case media types without parameters
   */
  record Direction(
      boolean enabledByDefault,
      String enabledRuntimeKey,
      long minContentLength,
      Set<String> contentTypes) {

    /** Whether the response's or request's {@code content-type} is one this direction takes. */
    boolean contentTypeAllowed(String contentType) {
      if (contentType == null) {
        return true;
      }
      return contentTypes.contains(mediaType(contentType));
    }
  }

  /** The media type of a {@code content-type} value: before any {@code ;}, trimmed, lower case. */
  static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    String type = semicolon < 0 ? contentType : contentType.substring(0, semicolon);
    return type.trim().toLowerCase(Locale.ROOT);
  }

  @SuppressWarnings("deprecation") // the deprecated fields still configure responses, as in Envoy
  static CompressorConfig from(Any typedConfig, String path) throws ConfigException {
    Compressor proto;
    try {
      proto = typedConfig.unpack(Compressor.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a Compressor: " + e.getMessage());
    }
    if (!proto.hasCompressorLibrary()) {
      throw new ConfigException(path + ".compressor_library", "is required");
    }
    String libraryPath = path + ".compressor_library";
    CompressorLibrary library =
        CompressorLibrary.from(
            proto.getCompressorLibrary().getTypedConfig(), libraryPath + ".typed_config");
    Direction request =
        direction(
            proto.getRequestDirectionConfig().getCommonConfig(),
            path + ".request_direction_config.common_config");
    Direction response;
    boolean disableOnEtag;
    boolean removeAcceptEncoding;
    Set<Integer> uncompressible = Set.of();
    if (proto.hasResponseDirectionConfig()) {
      Compressor.ResponseDirectionConfig r = proto.getResponseDirectionConfig();
      String rp = path + ".response_direction_config";
      response = direction(r.getCommonConfig(), rp + ".common_config");
      disableOnEtag = r.getDisableOnEtagHeader();
      removeAcceptEncoding = r.getRemoveAcceptEncodingHeader();
      Set<Integer> codes = new HashSet<>();
      for (int i = 0; i < r.getUncompressibleResponseCodesCount(); i++) {
        int code = r.getUncompressibleResponseCodes(i);
        String cp = rp + ".uncompressible_response_codes[" + i + "]";
        if (code < 200 || code >= 600) {
          throw new ConfigException(cp, "must be in [200, 600), got " + code);
        }
        if (!codes.add(code)) {
          throw new ConfigException(cp, "duplicate code " + code);
        }
      }
      uncompressible = Set.copyOf(codes);
    } else {
      CommonDirectionConfig.Builder legacy =
          CommonDirectionConfig.newBuilder().addAllContentType(proto.getContentTypeList());
      if (proto.hasContentLength()) {
        legacy.setMinContentLength(proto.getContentLength());
      }
      if (proto.hasRuntimeEnabled()) {
        legacy.setEnabled(proto.getRuntimeEnabled());
      }
      response = direction(legacy.build(), path);
      disableOnEtag = proto.getDisableOnEtagHeader();
      removeAcceptEncoding = proto.getRemoveAcceptEncodingHeader();
    }
    return new CompressorConfig(
        proto.getCompressorLibrary().getName(),
        library,
        request,
        proto.hasRequestDirectionConfig(),
        response,
        proto.hasResponseDirectionConfig(),
        disableOnEtag,
        removeAcceptEncoding,
        uncompressible,
        proto.getChooseFirst());
  }

  /** The {@code content-encoding} this filter produces. */
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
    long min = 30;
    if (common.hasMinContentLength() && common.getMinContentLength().getValue() > 0) {
      min = Integer.toUnsignedLong(common.getMinContentLength().getValue());
    }
    List<String> types = common.getContentTypeList();
    Set<String> contentTypes =
        types.isEmpty()
            ? DEFAULT_CONTENT_TYPES
            : Set.copyOf(types.stream().map(CompressorConfig::mediaType).toList());
    return new Direction(enabledByDefault, runtimeKey, min, contentTypes);
  }
}
