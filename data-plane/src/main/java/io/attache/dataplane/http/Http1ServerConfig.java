package io.attache.dataplane.http;

import com.google.protobuf.Duration;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.headercase.HeaderKeyFormat;
import io.envoyproxy.envoy.config.core.v3.Http1ProtocolOptions;
import io.envoyproxy.envoy.config.core.v3.HttpProtocolOptions;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * Everything the HTTP/1 front door takes from one HttpConnectionManager, parsed and validated once
 * (with Envoy's PGV bounds) before the listener is built. Immutable.
 */
public record Http1ServerConfig(
    String statPrefix,
    Http1Limits limits,
    Http1Settings settings,
    HeaderKeyFormat headerKeyFormat) {

  /** Envoy's bound on {@code max_request_headers_kb}. */
  static final int MAX_REQUEST_HEADERS_KB_LIMIT = 8192;

  public Http1ServerConfig {
    if (statPrefix == null || limits == null || settings == null || headerKeyFormat == null) {
      throw new IllegalArgumentException(
          "statPrefix, limits, settings and headerKeyFormat are required");
    }
  }

  /** Envoy's default header case: names written in lower case. */
  public Http1ServerConfig(String statPrefix, Http1Limits limits, Http1Settings settings) {
    this(statPrefix, limits, settings, HeaderKeyFormat.DEFAULT);
  }

  /**
   * Reads the HCM's HTTP/1 fields. {@code fieldPath} names the HCM in errors, e.g. {@code
   * listeners[0].filter_chains[0].filters[0].typed_config}.
   */
  public static Http1ServerConfig fromProto(HttpConnectionManager hcm, String fieldPath)
      throws ConfigException {
    String prefix = fieldPath.isEmpty() ? "" : fieldPath + ".";
    if (hcm.getStatPrefix().isEmpty()) {
      throw new ConfigException(prefix + "stat_prefix", "must not be empty");
    }
    Http1Limits limits = Http1Limits.DEFAULTS;
    if (hcm.hasMaxRequestHeadersKb()) {
      int kb = hcm.getMaxRequestHeadersKb().getValue();
      if (kb <= 0 || kb > MAX_REQUEST_HEADERS_KB_LIMIT) {
        throw new ConfigException(
            prefix + "max_request_headers_kb",
            "must be in (0, "
                + MAX_REQUEST_HEADERS_KB_LIMIT
                + "], got "
                + Integer.toUnsignedString(kb));
      }
      // The request line counts against the same budget in Envoy; bound it by the same size.
      limits = limits.withMaxRequestHeadersKb(kb).withMaxInitialLineLength(kb * 1024);
    }
    if (hcm.hasRequestHeadersTimeout()) {
      limits =
          limits.withRequestHeadersTimeout(
              toDuration(hcm.getRequestHeadersTimeout(), prefix + "request_headers_timeout"));
    }
    Http1Settings settings = Http1Settings.DEFAULTS.withProxy100Continue(hcm.getProxy100Continue());
    if (hcm.hasCommonHttpProtocolOptions()) {
      HttpProtocolOptions common = hcm.getCommonHttpProtocolOptions();
      String commonPath = prefix + "common_http_protocol_options.";
      if (common.hasMaxHeadersCount()) {
        int count = common.getMaxHeadersCount().getValue();
        if (count < 1) {
          throw new ConfigException(commonPath + "max_headers_count", "must be >= 1, got " + count);
        }
        limits = limits.withMaxHeadersCount(count);
      }
      if (common.hasMaxRequestsPerConnection()) {
        int max = common.getMaxRequestsPerConnection().getValue();
        // A uint32 beyond int range is as good as unlimited for one connection.
        limits = limits.withMaxRequestsPerConnection(max < 0 ? Integer.MAX_VALUE : max);
      }
      settings =
          settings.withHeadersWithUnderscoresAction(
              switch (common.getHeadersWithUnderscoresAction()) {
                case ALLOW -> HeadersWithUnderscoresAction.ALLOW;
                case REJECT_REQUEST -> HeadersWithUnderscoresAction.REJECT_REQUEST;
                case DROP_HEADER -> HeadersWithUnderscoresAction.DROP_HEADER;
                default ->
                    throw new ConfigException(
                        commonPath + "headers_with_underscores_action",
                        "unknown value " + common.getHeadersWithUnderscoresActionValue());
              });
    }
    HeaderKeyFormat headerKeyFormat = HeaderKeyFormat.DEFAULT;
    if (hcm.hasHttpProtocolOptions()) {
      Http1ProtocolOptions http1 = hcm.getHttpProtocolOptions();
      headerKeyFormat = HeaderKeyFormat.fromProto(http1, prefix + "http_protocol_options");
      if (http1.hasAllowAbsoluteUrl()) {
        settings = settings.withAllowAbsoluteUrl(http1.getAllowAbsoluteUrl().getValue());
      }
      settings =
          settings
              .withAcceptHttp10(http1.getAcceptHttp10(), http1.getDefaultHostForHttp10())
              .withAllowChunkedLength(http1.getAllowChunkedLength())
              .withEnableTrailers(http1.getEnableTrailers());
    }
    return new Http1ServerConfig(hcm.getStatPrefix(), limits, settings, headerKeyFormat);
  }

  private static java.time.Duration toDuration(Duration proto, String path) throws ConfigException {
    if (proto.getSeconds() < 0 || proto.getNanos() < 0 || proto.getNanos() > 999_999_999) {
      throw new ConfigException(path, "must be a non-negative duration");
    }
    return java.time.Duration.ofSeconds(proto.getSeconds(), proto.getNanos());
  }
}
