package io.attache.dataplane.accesslog;

import java.util.Optional;

/**
 * Envoy's core response flags ({@code StreamInfo::CoreResponseFlag}), with the short codes {@code
 * %RESPONSE_FLAGS%} prints and the long names {@code %RESPONSE_FLAGS_LONG%} prints. Declaration
 * order is Envoy's flag order, which is the order they are rendered in.
 */
public enum ResponseFlag {
  FAILED_LOCAL_HEALTH_CHECK("LH", "FailedLocalHealthCheck"),
  NO_HEALTHY_UPSTREAM("UH", "NoHealthyUpstream"),
  UPSTREAM_REQUEST_TIMEOUT("UT", "UpstreamRequestTimeout"),
  LOCAL_RESET("LR", "LocalReset"),
  UPSTREAM_REMOTE_RESET("UR", "UpstreamRemoteReset"),
  UPSTREAM_CONNECTION_FAILURE("UF", "UpstreamConnectionFailure"),
  UPSTREAM_CONNECTION_TERMINATION("UC", "UpstreamConnectionTermination"),
  UPSTREAM_OVERFLOW("UO", "UpstreamOverflow"),
  NO_ROUTE_FOUND("NR", "NoRouteFound"),
  DELAY_INJECTED("DI", "DelayInjected"),
  FAULT_INJECTED("FI", "FaultInjected"),
  RATE_LIMITED("RL", "RateLimited"),
  UNAUTHORIZED_EXTERNAL_SERVICE("UAEX", "UnauthorizedExternalService"),
  RATELIMIT_SERVICE_ERROR("RLSE", "RateLimitServiceError"),
  DOWNSTREAM_CONNECTION_TERMINATION("DC", "DownstreamConnectionTermination"),
  UPSTREAM_RETRY_LIMIT_EXCEEDED("URX", "UpstreamRetryLimitExceeded"),
  STREAM_IDLE_TIMEOUT("SI", "StreamIdleTimeout"),
  INVALID_ENVOY_REQUEST_HEADERS("IH", "InvalidEnvoyRequestHeaders"),
  DOWNSTREAM_PROTOCOL_ERROR("DPE", "DownstreamProtocolError"),
  UPSTREAM_MAX_STREAM_DURATION_REACHED("UMSDR", "UpstreamMaxStreamDurationReached"),
  RESPONSE_FROM_CACHE_FILTER("RFCF", "ResponseFromCacheFilter"),
  NO_FILTER_CONFIG_FOUND("NFCF", "NoFilterConfigFound"),
  DURATION_TIMEOUT("DT", "DurationTimeout"),
  UPSTREAM_PROTOCOL_ERROR("UPE", "UpstreamProtocolError"),
  NO_CLUSTER_FOUND("NC", "NoClusterFound"),
  OVERLOAD_MANAGER("OM", "OverloadManagerTerminated"),
  DNS_RESOLUTION_FAILED("DF", "DnsResolutionFailed"),
  DROP_OVERLOAD("DO", "DropOverload"),
  DOWNSTREAM_REMOTE_RESET("DR", "DownstreamRemoteReset");

  private final String shortCode;
  private final String longName;

  ResponseFlag(String shortCode, String longName) {
    this.shortCode = shortCode;
    this.longName = longName;
  }

  public String shortCode() {
    return shortCode;
  }

  public String longName() {
    return longName;
  }

  /** The flag with this short code ({@code UH}), as response_flag_filter names them. */
  public static Optional<ResponseFlag> fromShortCode(String code) {
    for (ResponseFlag flag : values()) {
      if (flag.shortCode.equals(code)) {
        return Optional.of(flag);
      }
    }
    return Optional.empty();
  }
}
