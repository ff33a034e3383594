package io.attache.dataplane.tracing;

/** Envoy's standard span tag names and values, spelled as Envoy spells them. */
public final class Tags {
  public static final String COMPONENT = "component";
  public static final String PROXY = "proxy";
  public static final String DOWNSTREAM_CLUSTER = "downstream_cluster";
  public static final String ERROR = "error";
  public static final String TRUE = "true";
  public static final String GRPC_AUTHORITY = "grpc.authority";
  public static final String GRPC_CONTENT_TYPE = "grpc.content_type";
  public static final String GRPC_MESSAGE = "grpc.message";
  public static final String GRPC_PATH = "grpc.path";
  public static final String GRPC_STATUS_CODE = "grpc.status_code";
  public static final String GRPC_TIMEOUT = "grpc.timeout";
  public static final String GUID_X_CLIENT_TRACE_ID = "guid:x-client-trace-id";
  public static final String GUID_X_REQUEST_ID = "guid:x-request-id";
  public static final String HTTP_METHOD = "http.method";
  public static final String HTTP_PROTOCOL = "http.protocol";
  public static final String HTTP_STATUS_CODE = "http.status_code";
  public static final String HTTP_URL = "http.url";
  public static final String NODE_ID = "node_id";
  public static final String PEER_ADDRESS = "peer.address";
  public static final String REQUEST_SIZE = "request_size";
  public static final String RESPONSE_FLAGS = "response_flags";
  public static final String RESPONSE_SIZE = "response_size";
  public static final String RETRY_COUNT = "retry.count";
  public static final String UPSTREAM_ADDRESS = "upstream_address";
  public static final String UPSTREAM_CLUSTER = "upstream_cluster";
  public static final String UPSTREAM_CLUSTER_NAME = "upstream_cluster.name";
  public static final String USER_AGENT = "user_agent";
  public static final String ZONE = "zone";

  private Tags() {}
}
