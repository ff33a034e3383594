package io.attache.dataplane.retry;

import java.util.EnumSet;
import java.util.Set;

/**
 * One {@code retry_on} condition, by its Envoy token. Conditions combine as a bit set so a
 * request's effective set (policy plus {@code x-envoy-retry-on} headers) costs no allocation.
 */
public enum RetryOn {
  FIVE_XX("5xx", Kind.HTTP),
  GATEWAY_ERROR("gateway-error", Kind.HTTP),
  RESET("reset", Kind.HTTP),
  RESET_BEFORE_REQUEST("reset-before-request", Kind.HTTP),
  CONNECT_FAILURE("connect-failure", Kind.HTTP),
  RETRIABLE_4XX("retriable-4xx", Kind.HTTP),
  REFUSED_STREAM("refused-stream", Kind.HTTP),
  RETRIABLE_STATUS_CODES("retriable-status-codes", Kind.HTTP),
  RETRIABLE_HEADERS("retriable-headers", Kind.HTTP),
  ENVOY_RATELIMITED("envoy-ratelimited", Kind.HTTP),
  /**
   * Accepted and inert: Envoy acts on it only for requests sent over HTTP/3 to a cluster with TCP
   * fallback, and this proxy has no HTTP/3 upstreams, so Envoy would never fire it here either.
   */
  HTTP3_POST_CONNECT_FAILURE("http3-post-connect-failure", Kind.HTTP),
  GRPC_CANCELLED("cancelled", Kind.GRPC, 1),
  GRPC_DEADLINE_EXCEEDED("deadline-exceeded", Kind.GRPC, 4),
  GRPC_RESOURCE_EXHAUSTED("resource-exhausted", Kind.GRPC, 8),
  GRPC_INTERNAL("internal", Kind.GRPC, 13),
  GRPC_UNAVAILABLE("unavailable", Kind.GRPC, 14);

  /** Which request header may carry the token: {@code x-envoy-retry-on} or {@code -grpc-on}. */
  enum Kind {
    HTTP,
    GRPC
  }

  static final int GRPC_BITS;

  static {
    int grpc = 0;
    for (RetryOn on : values()) {
      if (on.kind == Kind.GRPC) {
        grpc |= on.bit();
      }
    }
    GRPC_BITS = grpc;
  }

  private final String token;
  private final Kind kind;
  private final int grpcStatus;

  RetryOn(String token, Kind kind) {
    this(token, kind, -1);
  }

  RetryOn(String token, Kind kind, int grpcStatus) {
    this.token = token;
    this.kind = kind;
    this.grpcStatus = grpcStatus;
  }

  /** The token as written in {@code retry_on} and the {@code x-envoy-retry-*} headers. */
  public String token() {
    return token;
  }

  int bit() {
    return 1 << ordinal();
  }

  Kind kind() {
    return kind;
  }

  /** The gRPC status code this condition retries on; -1 for HTTP conditions. */
  int grpcStatus() {
    return grpcStatus;
  }

  /** The condition for {@code token}, or null when the token is unknown. */
  static RetryOn forToken(String token) {
    for (RetryOn on : values()) {
      if (on.token.equals(token)) {
        return on;
      }
    }
    return null;
  }

  /**
   * Envoy's lenient header parse: comma list, tokens trimmed, empty and unknown tokens (or tokens
   * of the other header's kind) ignored.
   */
  static int parseHeader(String value, Kind kind) {
    int bits = 0;
    int start = 0;
    while (start <= value.length()) {
      int comma = value.indexOf(',', start);
      int end = comma < 0 ? value.length() : comma;
      RetryOn on = forToken(value.substring(start, end).trim());
      if (on != null && on.kind == kind) {
        bits |= on.bit();
      }
      start = end + 1;
    }
    return bits;
  }

  static Set<RetryOn> fromBits(int bits) {
    EnumSet<RetryOn> set = EnumSet.noneOf(RetryOn.class);
    for (RetryOn on : values()) {
      if ((bits & on.bit()) != 0) {
        set.add(on);
      }
    }
    return set;
  }

  static int toBits(Set<RetryOn> set) {
    int bits = 0;
    for (RetryOn on : set) {
      bits |= on.bit();
    }
    return bits;
  }
}
