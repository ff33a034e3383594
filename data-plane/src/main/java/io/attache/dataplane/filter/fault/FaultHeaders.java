package io.attache.dataplane.filter.fault;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.OptionalLong;

/**
 * The request headers through which a caller controls faults, as Envoy names them. They are
 * untrusted input: only the first value counts, and a value that is not an unsigned integer is
 * treated as absent.
 */
public final class FaultHeaders {
  public static final String ABORT_REQUEST = "x-envoy-fault-abort-request";
  public static final String ABORT_GRPC_REQUEST = "x-envoy-fault-abort-grpc-request";
  public static final String ABORT_REQUEST_PERCENTAGE = "x-envoy-fault-abort-request-percentage";
  public static final String DELAY_REQUEST = "x-envoy-fault-delay-request";
  public static final String DELAY_REQUEST_PERCENTAGE = "x-envoy-fault-delay-request-percentage";
  public static final String DOWNSTREAM_SERVICE_NODE = "x-envoy-downstream-service-node";
  public static final String DOWNSTREAM_SERVICE_CLUSTER = "x-envoy-downstream-service-cluster";

  private static final long UINT32_MAX = 0xFFFF_FFFFL;

  private FaultHeaders() {}

  /** The first value as an unsigned integer no larger than {@code max}, else empty. */
  static OptionalLong unsigned(HttpHeaders headers, String name, long max) {
    String value = headers.get(name);
    if (value == null || value.isEmpty() || value.length() > 20) {
      return OptionalLong.empty();
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return OptionalLong.empty();
      }
    }
    try {
      long parsed = Long.parseLong(value);
      return parsed <= max ? OptionalLong.of(parsed) : OptionalLong.empty();
    } catch (NumberFormatException e) {
      return OptionalLong.empty(); // beyond a long: not a usable value
    }
  }

  static OptionalLong uint32(HttpHeaders headers, String name) {
    return unsigned(headers, name, UINT32_MAX);
  }

  static OptionalLong uint64(HttpHeaders headers, String name) {
    return unsigned(headers, name, Long.MAX_VALUE);
  }
}
