package io.attache.dataplane.tracing;

import io.envoyproxy.envoy.config.core.v3.HeaderValue;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * OTLP/gRPC export to the collector cluster: one plaintext channel to the host the resolver names,
 * replaced when the resolver starts naming another host. Calls carry {@code grpc_service.timeout}
 * as their deadline and {@code initial_metadata} as headers. Used from the exporter thread only;
 * calls are asynchronous and never block it.
 */
public final class GrpcOtlpTraceClient implements OtlpTraceClient {
  private final OtlpExporterConfig config;
  private final CollectorAddressResolver resolver;
  private final Metadata metadata = new Metadata();
  private InetSocketAddress channelAddress;
  private ManagedChannel channel;
  private boolean closed;

  public GrpcOtlpTraceClient(OtlpExporterConfig config, CollectorAddressResolver resolver) {
    this.config = config;
    this.resolver = resolver;
    for (HeaderValue header : config.initialMetadata()) {
      metadata.put(
          Metadata.Key.of(header.getKey(), Metadata.ASCII_STRING_MARSHALLER), header.getValue());
    }
  }

  @Override
  public synchronized CompletableFuture<OtlpTraceService.ExportResponse> export(
      OtlpTraceService.ExportRequest request) {
    CompletableFuture<OtlpTraceService.ExportResponse> result = new CompletableFuture<>();
    Optional<InetSocketAddress> address =
        closed ? Optional.empty() : resolver.resolve(config.clusterName());
    if (address.isEmpty()) {
      result.completeExceptionally(
          Status.UNAVAILABLE
              .withDescription("no host in collector cluster " + config.clusterName())
              .asRuntimeException());
      return result;
    }
    ManagedChannel target = channelFor(address.get());
    ClientCalls.asyncUnaryCall(
        ClientInterceptors.intercept(target, MetadataUtils.newAttachHeadersInterceptor(metadata))
            .newCall(
                OtlpTraceService.EXPORT,
                CallOptions.DEFAULT.withDeadlineAfter(
                    config.timeout().toNanos(), TimeUnit.NANOSECONDS)),
        request,
        new StreamObserver<>() {
          @Override
          public void onNext(OtlpTraceService.ExportResponse value) {
            result.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            result.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            result.complete(OtlpTraceService.ExportResponse.OK);
          }
        });
    return result;
  }

  private ManagedChannel channelFor(InetSocketAddress address) {
    if (channel != null && address.equals(channelAddress)) {
      return channel;
    }
    if (channel != null) {
      channel.shutdown(); // in-flight exports finish on their own
    }
    NettyChannelBuilder builder = NettyChannelBuilder.forAddress(address).usePlaintext();
    if (!config.authority().isEmpty()) {
      builder.overrideAuthority(config.authority());
    }
    channel = builder.build();
    channelAddress = address;
    return channel;
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (channel != null) {
      channel.shutdown(); // lets the last export finish
      channel = null;
    }
  }
}
