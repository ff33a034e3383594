package io.attache.dataplane.http2;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;

/**
 * The HCM's downstream HTTP/2 settings, parsed once with Envoy's defaults. Immutable.
 *
 * @param statPrefix the HCM's {@code stat_prefix}
 * @param maxConcurrentStreams {@code http2_protocol_options.max_concurrent_streams} (2^31 - 1)
 * @param maxHeaderListSize {@code max_request_headers_kb} in bytes (60 KiB)
 * @param maxOutboundControlFrames {@code http2_protocol_options.max_outbound_control_frames}
 *     (1000): SETTINGS/PING ACKs and RST_STREAMs queued and not yet written before the connection
 *     is closed as a flood
 * @param streamErrorOnInvalidHttpMessage {@code
 *     http2_protocol_options.override_stream_error_on_invalid_http_message}, else the HCM's {@code
 *     stream_error_on_invalid_http_message}, else false: a malformed request resets its stream
 *     (true) or closes the connection (false, Envoy's default)
 */
public record Http2ServerConfig(
    String statPrefix,
    long maxConcurrentStreams,
    long maxHeaderListSize,
    int maxOutboundControlFrames,
    boolean streamErrorOnInvalidHttpMessage) {

  /** Envoy's default {@code max_outbound_control_frames}. */
  static final int DEFAULT_MAX_OUTBOUND_CONTROL_FRAMES = 1000;

  public static Http2ServerConfig fromProto(HttpConnectionManager hcm, String path, int headersKb)
      throws ConfigException {
    var h2 = hcm.getHttp2ProtocolOptions();
    int controlFrames = DEFAULT_MAX_OUTBOUND_CONTROL_FRAMES;
    if (h2.hasMaxOutboundControlFrames()) {
      controlFrames = h2.getMaxOutboundControlFrames().getValue();
      if (controlFrames < 1) {
        throw new ConfigException(
            path + ".http2_protocol_options.max_outbound_control_frames", "must be at least 1");
      }
    }
    boolean streamError =
        h2.hasOverrideStreamErrorOnInvalidHttpMessage()
            ? h2.getOverrideStreamErrorOnInvalidHttpMessage().getValue()
            : hcm.hasStreamErrorOnInvalidHttpMessage()
                && hcm.getStreamErrorOnInvalidHttpMessage().getValue();
    return new Http2ServerConfig(
        hcm.getStatPrefix(),
        h2.hasMaxConcurrentStreams() ? h2.getMaxConcurrentStreams().getValue() : 2147483647L,
        headersKb * 1024L,
        controlFrames,
        streamError);
  }
}
