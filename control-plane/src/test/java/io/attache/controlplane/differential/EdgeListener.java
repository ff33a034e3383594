package io.attache.controlplane.differential;

import java.nio.file.Path;
import java.util.List;

/**
 * The raw listener the edge scenarios share, as Envoy JSON: an HTTP connection manager with {@code
 * stat_prefix: edge}, acting as an edge proxy ({@code use_remote_address: true}), HTTP/1.1 and
 * HTTP/2 on one port ({@code codec_type: AUTO}), 8 KiB of request headers at most, 1 s to send
 * them, a file access log in Envoy's default format, and one inline route configuration holding
 * every scenario's virtual hosts plus {@code ready} (a direct response the harness polls). Renders
 * JSON only.
 */
final class EdgeListener {

  static final String NAME = "edge";
  static final String STAT_PREFIX = "edge";
  static final int MAX_REQUEST_HEADERS_KB = 8;
  static final String REQUEST_HEADERS_TIMEOUT = "1s";
  static final String READY_HOST = "ready";

  private EdgeListener() {}

  static String json(int port, Path accessLog, List<String> virtualHosts) {
    String ready =
        "{\"name\": \"ready\", \"domains\": [\""
            + READY_HOST
            + "\"], \"routes\": [{\"match\": {\"prefix\": \"/\"},"
            + " \"direct_response\": {\"status\": 200}}]}";
    return "{\"name\": \""
        + NAME
        + "\", \"address\": {\"socket_address\": {\"address\": \"127.0.0.1\", \"port_value\": "
        + port
        + "}}, \"filter_chains\": [{\"filters\": [{\"name\":"
        + " \"envoy.filters.network.http_connection_manager\", \"typed_config\": {\"@type\":"
        + " \"type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3"
        + ".HttpConnectionManager\", \"stat_prefix\": \""
        + STAT_PREFIX
        + "\", \"codec_type\": \"AUTO\", \"use_remote_address\": true,"
        + " \"max_request_headers_kb\": "
        + MAX_REQUEST_HEADERS_KB
        + ", \"request_headers_timeout\": \""
        + REQUEST_HEADERS_TIMEOUT
        + "\", \"access_log\": [{\"name\": \"envoy.access_loggers.file\", \"typed_config\":"
        + " {\"@type\": \"type.googleapis.com/envoy.extensions.access_loggers.file.v3"
        + ".FileAccessLog\", \"path\": \""
        + accessLog.toAbsolutePath()
        + "\"}}], \"route_config\": {\"name\": \"edge-routes\", \"virtual_hosts\": ["
        + String.join(", ", virtualHosts)
        + (virtualHosts.isEmpty() ? "" : ", ")
        + ready
        + "]}, \"http_filters\": ["
        // Off for the listener (no filter_enabled); a route's own LocalRateLimit turns it on.
        + "{\"name\": \"envoy.filters.http.local_ratelimit\", \"typed_config\": {\"@type\":"
        + " \"type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit\","
        + " \"stat_prefix\": \"edge_rate_limit\"}}, "
        + "{\"name\": \"envoy.filters.http.router\", \"typed_config\":"
        + " {\"@type\": \"type.googleapis.com/envoy.extensions.filters.http.router.v3.Router\"}}]"
        + "}}]}]}";
  }
}
