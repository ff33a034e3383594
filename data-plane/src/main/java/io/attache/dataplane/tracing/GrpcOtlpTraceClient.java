package io.attache.dataplane.tracing;

import io.attache.dataplane.cluster.ClusterExchange;
import io.attache.dataplane.cluster.ClusterHandle;
import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * OTLP/gRPC export: one unary {@code TraceService/Export} call per batch, framed as gRPC over
 * HTTP/2 and sent through the collector cluster's own pools (its TLS/mTLS transport socket, its
 * stats) by {@link CollectorExchange}. Calls carry {@code grpc_service.timeout} as {@code
 * grpc-timeout} and as their deadline, and {@code initial_metadata} as headers. A call succeeds
 * only on HTTP 200 with {@code grpc-status: 0}. Never blocks the calling thread.
 */
public final class GrpcOtlpTraceClient implements OtlpTraceClient {
  private final OtlpExporterConfig config;
  private final Function<String, ClusterHandle> clusters;
  private final EventLoop loop;
  private final HttpHeaders headers = new DefaultHttpHeaders();
  private volatile boolean closed;

  public GrpcOtlpTraceClient(
      OtlpExporterConfig config, Function<String, ClusterHandle> clusters, EventLoop loop) {
    this.config = config;
    this.clusters = clusters;
    this.loop = loop;
    headers.set("content-type", "application/grpc");
    headers.set("te", "trailers");
    headers.set("grpc-timeout", Math.max(1, config.timeout().toMillis()) + "m");
    for (HeaderValue header : config.headers()) {
      headers.add(header.getKey(), header.getValue());
    }
  }

  @Override
  public CompletableFuture<OtlpTraceService.ExportResponse> export(
      OtlpTraceService.ExportRequest request) {
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("exporter closed"));
    }
    byte[] message;
    try (InputStream in = OtlpTraceService.EXPORT.getRequestMarshaller().stream(request)) {
      message = in.readAllBytes();
    } catch (IOException impossible) {
      return CompletableFuture.failedFuture(impossible);
    }
    byte[] framed =
        ByteBuffer.allocate(5 + message.length)
            .put((byte) 0)
            .putInt(message.length)
            .put(message)
            .array();
    return CollectorExchange.post(
            clusters,
            config.clusterName(),
            loop,
            true,
            config.authority(),
            config.path(),
            headers,
            framed,
            config.timeout())
        .thenApply(GrpcOtlpTraceClient::toExportResponse);
  }

  private static OtlpTraceService.ExportResponse toExportResponse(
      ClusterExchange.Response response) {
    if (response.status() != 200) {
      throw new GrpcCallFailed("HTTP status " + response.status());
    }
    String grpcStatus = response.trailerOrHeader("grpc-status");
    if (!"0".equals(grpcStatus)) {
      throw new GrpcCallFailed(
          "grpc-status "
              + grpcStatus
              + (response.trailerOrHeader("grpc-message") == null
                  ? ""
                  : ": " + response.trailerOrHeader("grpc-message")));
    }
    byte[] body = response.body();
    if (body.length < 5) {
      return OtlpTraceService.ExportResponse.OK;
    }
    if (body[0] != 0) {
      throw new GrpcCallFailed("compressed responses are not accepted (none was asked for)");
    }
    int length = ByteBuffer.wrap(body, 1, 4).getInt();
    if (length != body.length - 5) {
      throw new GrpcCallFailed("a gRPC response frame of " + length + " bytes is cut short");
    }
    return OtlpTraceService.EXPORT
        .getResponseMarshaller()
        .parse(new ByteArrayInputStream(body, 5, length));
  }

  /** The collector answered, but not with a successful gRPC call. */
  static final class GrpcCallFailed extends RuntimeException {
    GrpcCallFailed(String message) {
      super(message);
    }
  }

  @Override
  public void close() {
    closed = true; // exports in flight finish on the event loop
  }
}
