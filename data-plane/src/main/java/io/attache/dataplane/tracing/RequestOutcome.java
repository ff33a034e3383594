package io.attache.dataplane.tracing;

import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.util.Optional;

/**
 * How a downstream request ended, for its span: status (0 when no response was sent), Envoy's short
 * response flags ({@code -} for none), bytes each way, the upstream cluster if one was chosen, and
 * the response headers and trailers (for {@code grpc-status}). Immutable once handed over.
 */
public record RequestOutcome(
    int responseCode,
    String responseFlags,
    long bytesReceived,
    long bytesSent,
    Optional<String> upstreamCluster,
    HttpHeaders responseHeaders,
    HttpHeaders responseTrailers) {

  /** An outcome without cluster or response headers; add them with the withers. */
  public static RequestOutcome of(
      int responseCode, String responseFlags, long bytesReceived, long bytesSent) {
    return new RequestOutcome(
        responseCode,
        responseFlags,
        bytesReceived,
        bytesSent,
        Optional.empty(),
        EmptyHttpHeaders.INSTANCE,
        EmptyHttpHeaders.INSTANCE);
  }

  public RequestOutcome withUpstreamCluster(String cluster) {
    return new RequestOutcome(
        responseCode,
        responseFlags,
        bytesReceived,
        bytesSent,
        Optional.of(cluster),
        responseHeaders,
        responseTrailers);
  }

  public RequestOutcome withResponse(HttpHeaders headers, HttpHeaders trailers) {
    return new RequestOutcome(
        responseCode, responseFlags, bytesReceived, bytesSent, upstreamCluster, headers, trailers);
  }
}
