package io.attache.dataplane.http;

/**
 * Envoy's {@code common_http_protocol_options.headers_with_underscores_action}: what to do with a
 * request header whose name contains '_' (some upstreams treat '_' and '-' alike, a spoofing risk).
 */
public enum HeadersWithUnderscoresAction {
  ALLOW,
  REJECT_REQUEST,
  DROP_HEADER
}
