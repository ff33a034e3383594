package io.attache.dataplane.filter.fault;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.filters.http.fault.v3.FaultAbort;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * {@code HTTPFault.abort}: a fixed HTTP status, a fixed gRPC status (sent with HTTP 200), or
 * statuses read from the request's fault headers, applied to {@code percentage} of requests.
 * Immutable.
 */
record FaultAbortConfig(Source source, int httpStatus, int grpcStatus, FaultPercentage percentage) {
  /** Where the abort status comes from: the {@code error_type} oneof. */
  enum Source {
    HTTP_STATUS,
    GRPC_STATUS,
    HEADER_ABORT
  }

  static FaultAbortConfig from(FaultAbort proto, String fieldPath) throws ConfigException {
    FaultPercentage percentage =
        FaultPercentage.from(
            proto.hasPercentage(), proto.getPercentage(), fieldPath + ".percentage");
    switch (proto.getErrorTypeCase()) {
      case HTTP_STATUS:
        int status = proto.getHttpStatus();
        if (status < 200 || status >= 600) {
          throw new ConfigException(fieldPath + ".http_status", "must be in [200, 600)");
        }
        return new FaultAbortConfig(Source.HTTP_STATUS, status, 0, percentage);
      case GRPC_STATUS:
        return new FaultAbortConfig(Source.GRPC_STATUS, 0, proto.getGrpcStatus(), percentage);
      case HEADER_ABORT:
        return new FaultAbortConfig(Source.HEADER_ABORT, 0, 0, percentage);
      default:
        throw new ConfigException(
            fieldPath, "exactly one of http_status, grpc_status, header_abort is required");
    }
  }

  FaultPercentage percentage(HttpHeaders headers) {
    if (source != Source.HEADER_ABORT) {
      return percentage;
    }
    OptionalLong header = FaultHeaders.uint32(headers, FaultHeaders.ABORT_REQUEST_PERCENTAGE);
    return header.isPresent() ? percentage.cappedAt(header.getAsLong()) : percentage;
  }

  /**
   * The abort to inject for this request, if the config (or, for header_abort, the headers) names
   * one. An HTTP status header wins over a gRPC status header, as in Envoy.
   */
  Optional<FaultDecision.Abort> abortFor(HttpHeaders headers) {
    return switch (source) {
      case HTTP_STATUS -> Optional.of(new FaultDecision.Abort(httpStatus, OptionalInt.empty()));
      case GRPC_STATUS -> Optional.of(new FaultDecision.Abort(200, OptionalInt.of(grpcStatus)));
      case HEADER_ABORT -> fromHeaders(headers);
    };
  }

  private static Optional<FaultDecision.Abort> fromHeaders(HttpHeaders headers) {
    OptionalLong http = FaultHeaders.uint64(headers, FaultHeaders.ABORT_REQUEST);
    if (http.isPresent()) {
      long code = http.getAsLong();
      if (code >= 200 && code < 600) {
        return Optional.of(new FaultDecision.Abort((int) code, OptionalInt.empty()));
      }
      return Optional.empty(); // an out-of-range HTTP status disables the abort entirely
    }
    OptionalLong grpc = FaultHeaders.uint32(headers, FaultHeaders.ABORT_GRPC_REQUEST);
    if (grpc.isPresent()) {
      return Optional.of(new FaultDecision.Abort(200, OptionalInt.of((int) grpc.getAsLong())));
    }
    return Optional.empty();
  }
}
