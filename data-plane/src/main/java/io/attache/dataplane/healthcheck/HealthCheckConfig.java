package io.attache.dataplane.healthcheck;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.HeaderValueOption;
import io.envoyproxy.envoy.config.core.v3.HealthCheck;
import io.envoyproxy.envoy.type.v3.CodecClientType;
import io.envoyproxy.envoy.type.v3.Int64Range;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.OptionalInt;

/**
 * One cluster's {@code health_checks[0]}, parsed once with Envoy's defaults and validated with
 * errors naming the field. Immutable; the checker type is either {@link Http} or {@link Tcp}.
 *
 * @param unhealthyInterval defaults to {@code interval}
 * @param unhealthyEdgeInterval defaults to {@code unhealthy_interval}
 * @param healthyEdgeInterval defaults to {@code interval}
 * @param noTrafficHealthyInterval defaults to {@code no_traffic_interval}
 * @param altPort the port to check instead of the host's own, when set
 */
public record HealthCheckConfig(
    Duration timeout,
    Duration interval,
    Duration initialJitter,
    Duration intervalJitter,
    int intervalJitterPercent,
    int unhealthyThreshold,
    int healthyThreshold,
    Duration unhealthyInterval,
    Duration unhealthyEdgeInterval,
    Duration healthyEdgeInterval,
    Duration noTrafficInterval,
    Duration noTrafficHealthyInterval,
    boolean reuseConnection,
    OptionalInt altPort,
    Checker checker) {

  /** What a probe sends and what it takes as a pass. */
  public sealed interface Checker permits Http, Tcp {}

  /**
   * {@code http_health_check}: an HTTP/1.1 request; the status must be in {@code expected_statuses}
   * (default 200 only). A status in {@code retriable_statuses} counts towards {@code
   * unhealthy_threshold}; any other status fails the host at once, as in Envoy.
   *
   * @param host empty means the cluster's name, as in Envoy
   * @param headersToAdd name and value pairs, in order; {@code append} adds, otherwise replaces
   */
  public record Http(
      String host,
      String path,
      String method,
      List<long[]> expectedStatuses,
      List<long[]> retriableStatuses,
      List<HeaderToAdd> headersToAdd,
      List<String> headersToRemove)
      implements Checker {
    /** Whether {@code status} is in one of the half-open {@code [start, end)} ranges. */
    static boolean in(List<long[]> ranges, int status) {
      for (long[] range : ranges) {
        if (status >= range[0] && status < range[1]) {
          return true;
        }
      }
      return false;
    }
  }

  /** One {@code request_headers_to_add} entry. */
  public record HeaderToAdd(String name, String value, boolean append) {}

  /**
   * {@code tcp_health_check}: connect, send {@code send}, and pass when every {@code receive} block
   * has been seen in order (not necessarily adjacent); both empty means "connect only".
   */
  public record Tcp(byte[] send, List<byte[]> receive) implements Checker {}

  /**
   * Parses the cluster's {@code health_checks}; empty means no active health checking. {@code
   * fieldPath} names the list (e.g. {@code static_resources.clusters[0].health_checks}).
   */
  public static java.util.Optional<HealthCheckConfig> from(
      List<HealthCheck> checks, String fieldPath) throws ConfigException {
    if (checks.isEmpty()) {
      return java.util.Optional.empty();
    }
    if (checks.size() > 1) {
      throw new ConfigException(
          fieldPath, "multiple health checks are not supported (nor by Envoy)");
    }
    return java.util.Optional.of(from(checks.get(0), fieldPath + "[0]"));
  }

  public static HealthCheckConfig from(HealthCheck proto, String path) throws ConfigException {
    Duration timeout = required(proto.hasTimeout(), proto.getTimeout(), path, "timeout");
    Duration interval = required(proto.hasInterval(), proto.getInterval(), path, "interval");
    if (!proto.hasUnhealthyThreshold()) {
      throw new ConfigException(path + ".unhealthy_threshold", "is required");
    }
    if (!proto.hasHealthyThreshold()) {
      throw new ConfigException(path + ".healthy_threshold", "is required");
    }
    Duration unhealthyInterval =
        optional(
            proto.hasUnhealthyInterval(),
            proto.getUnhealthyInterval(),
            interval,
            path,
            "unhealthy_interval");
    Duration noTraffic =
        optional(
            proto.hasNoTrafficInterval(),
            proto.getNoTrafficInterval(),
            Duration.ofSeconds(60),
            path,
            "no_traffic_interval");
    return new HealthCheckConfig(
        timeout,
        interval,
        nonNegative(proto.hasInitialJitter(), proto.getInitialJitter(), path, "initial_jitter"),
        nonNegative(proto.hasIntervalJitter(), proto.getIntervalJitter(), path, "interval_jitter"),
        proto.getIntervalJitterPercent(),
        // A threshold of 0 can never be met by "++count == threshold"; Envoy treats it so too.
        proto.getUnhealthyThreshold().getValue(),
        proto.getHealthyThreshold().getValue(),
        unhealthyInterval,
        optional(
            proto.hasUnhealthyEdgeInterval(),
            proto.getUnhealthyEdgeInterval(),
            unhealthyInterval,
            path,
            "unhealthy_edge_interval"),
        optional(
            proto.hasHealthyEdgeInterval(),
            proto.getHealthyEdgeInterval(),
            interval,
            path,
            "healthy_edge_interval"),
        noTraffic,
        optional(
            proto.hasNoTrafficHealthyInterval(),
            proto.getNoTrafficHealthyInterval(),
            noTraffic,
            path,
            "no_traffic_healthy_interval"),
        !proto.hasReuseConnection() || proto.getReuseConnection().getValue(),
        altPort(proto, path),
        checker(proto, path));
  }

  private static OptionalInt altPort(HealthCheck proto, String path) throws ConfigException {
    if (!proto.hasAltPort()) {
      return OptionalInt.empty();
    }
    int port = proto.getAltPort().getValue();
    if (port < 1 || port > 65535) {
      throw new ConfigException(path + ".alt_port", "must be a port number, got " + port);
    }
    return OptionalInt.of(port);
  }

  private static Checker checker(HealthCheck proto, String path) throws ConfigException {
    return switch (proto.getHealthCheckerCase()) {
      case HTTP_HEALTH_CHECK -> http(proto.getHttpHealthCheck(), path + ".http_health_check");
      case TCP_HEALTH_CHECK -> tcp(proto.getTcpHealthCheck(), path + ".tcp_health_check");
      case GRPC_HEALTH_CHECK ->
          throw new ConfigException(
              path + ".grpc_health_check", "gRPC health checks are not supported");
      case CUSTOM_HEALTH_CHECK ->
          throw new ConfigException(
              path + ".custom_health_check", "custom health checks are not supported");
      case HEALTHCHECKER_NOT_SET ->
          throw new ConfigException(
              path, "one of http_health_check or tcp_health_check is required");
    };
  }

  private static Http http(HealthCheck.HttpHealthCheck http, String path) throws ConfigException {
    if (http.getPath().isEmpty()) {
      throw new ConfigException(path + ".path", "is required");
    }
    if (http.getCodecClientType() != CodecClientType.HTTP1) {
      throw new ConfigException(
          path + ".codec_client_type", "only HTTP1 health checks are supported");
    }
    if (http.hasSend() || http.getReceiveCount() > 0) {
      throw new ConfigException(
          path + ".receive", "payload matching for HTTP checks is not supported");
    }
    String method =
        switch (http.getMethod()) {
          case METHOD_UNSPECIFIED, GET -> "GET";
          case HEAD -> "HEAD";
          case POST, PUT, DELETE, OPTIONS, TRACE, PATCH -> http.getMethod().name();
          case CONNECT ->
              throw new ConfigException(path + ".method", "CONNECT is not allowed (nor by Envoy)");
          case UNRECOGNIZED -> throw new ConfigException(path + ".method", "unknown method");
        };
    List<long[]> expected = ranges(http.getExpectedStatusesList(), path + ".expected_statuses");
    if (expected.isEmpty()) {
      expected = List.<long[]>of(new long[] {200, 201});
    }
    List<HeaderToAdd> toAdd = new ArrayList<>();
    for (int i = 0; i < http.getRequestHeadersToAddCount(); i++) {
      HeaderValueOption option = http.getRequestHeadersToAdd(i);
      String name = option.getHeader().getKey().toLowerCase(Locale.ROOT);
      if (name.isEmpty() || name.startsWith(":") || name.equals("host")) {
        throw new ConfigException(
            path + ".request_headers_to_add[" + i + "].header.key",
            "must be a non-empty regular header name");
      }
      boolean append =
          option.hasAppend()
              ? option.getAppend().getValue()
              : option.getAppendAction()
                  == HeaderValueOption.HeaderAppendAction.APPEND_IF_EXISTS_OR_ADD;
      toAdd.add(new HeaderToAdd(name, option.getHeader().getValue(), append));
    }
    return new Http(
        http.getHost(),
        http.getPath(),
        method,
        expected,
        ranges(http.getRetriableStatusesList(), path + ".retriable_statuses"),
        List.copyOf(toAdd),
        http.getRequestHeadersToRemoveList().stream()
            .map(h -> h.toLowerCase(Locale.ROOT))
            .toList());
  }

  private static List<long[]> ranges(List<Int64Range> ranges, String path) throws ConfigException {
    List<long[]> out = new ArrayList<>();
    for (int i = 0; i < ranges.size(); i++) {
      Int64Range r = ranges.get(i);
      if (r.getStart() < 100 || r.getEnd() > 600 || r.getStart() >= r.getEnd()) {
        throw new ConfigException(
            path + "[" + i + "]", "must be a non-empty range within [100, 600)");
      }
      out.add(new long[] {r.getStart(), r.getEnd()});
    }
    return List.copyOf(out);
  }

  private static Tcp tcp(HealthCheck.TcpHealthCheck tcp, String path) throws ConfigException {
    if (tcp.hasProxyProtocolConfig()) {
      throw new ConfigException(
          path + ".proxy_protocol_config", "PROXY protocol health checks are not supported");
    }
    byte[] send = tcp.hasSend() ? payload(tcp.getSend(), path + ".send") : new byte[0];
    List<byte[]> receive = new ArrayList<>();
    for (int i = 0; i < tcp.getReceiveCount(); i++) {
      receive.add(payload(tcp.getReceive(i), path + ".receive[" + i + "]"));
    }
    return new Tcp(send, List.copyOf(receive));
  }

  private static byte[] payload(HealthCheck.Payload payload, String path) throws ConfigException {
    return switch (payload.getPayloadCase()) {
      case TEXT -> {
        try {
          yield HexFormat.of().parseHex(payload.getText().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
          throw new ConfigException(path + ".text", "must be hex-encoded bytes", e);
        }
      }
      case BINARY -> payload.getBinary().toByteArray();
      case PAYLOAD_NOT_SET -> throw new ConfigException(path, "one of text or binary is required");
    };
  }

  private static Duration required(
      boolean present, com.google.protobuf.Duration value, String path, String field)
      throws ConfigException {
    if (!present) {
      throw new ConfigException(path + "." + field, "is required");
    }
    return positive(value, path, field);
  }

  private static Duration optional(
      boolean present,
      com.google.protobuf.Duration value,
      Duration fallback,
      String path,
      String field)
      throws ConfigException {
    return present ? positive(value, path, field) : fallback;
  }

  private static Duration positive(com.google.protobuf.Duration value, String path, String field)
      throws ConfigException {
    Duration d = Duration.ofSeconds(value.getSeconds(), value.getNanos());
    if (d.isNegative() || d.isZero()) {
      throw new ConfigException(path + "." + field, "must be greater than 0");
    }
    return d;
  }

  private static Duration nonNegative(
      boolean present, com.google.protobuf.Duration value, String path, String field)
      throws ConfigException {
    if (!present) {
      return Duration.ZERO;
    }
    Duration d = Duration.ofSeconds(value.getSeconds(), value.getNanos());
    if (d.isNegative()) {
      throw new ConfigException(path + "." + field, "must not be negative");
    }
    return d;
  }
}
