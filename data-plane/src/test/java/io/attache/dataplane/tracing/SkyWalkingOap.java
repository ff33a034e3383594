package io.attache.dataplane.tracing;

import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server on an ephemeral loopback port implementing SkyWalking's {@code
 * skywalking.v3.TraceSegmentReportService/collect} (client streaming): records every segment as it
 * arrives (decoded by {@link DecodedSegment}) and the {@code authentication} metadata of each
 * stream; answers an empty {@code Commands}, or UNAVAILABLE while {@link #refuse} is set.
 */
final class SkyWalkingOap implements AutoCloseable {
  private static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(byte[] value) {
          return new ByteArrayInputStream(value);
        }

        @Override
        public byte[] parse(InputStream stream) {
          try {
            return stream.readAllBytes();
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  private static final MethodDescriptor<byte[], byte[]> COLLECT =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.CLIENT_STREAMING)
          .setFullMethodName("skywalking.v3.TraceSegmentReportService/collect")
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  final List<DecodedSegment> segments = new CopyOnWriteArrayList<>();
  final List<String> tokens = new CopyOnWriteArrayList<>();
  final AtomicBoolean refuse = new AtomicBoolean();
  final AtomicInteger refusedCalls = new AtomicInteger();
  private final Server server;

  SkyWalkingOap() throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("skywalking.v3.TraceSegmentReportService")
            .addMethod(
                COLLECT,
                ServerCalls.asyncClientStreamingCall(
                    (ServerCalls.ClientStreamingMethod<byte[], byte[]>) CollectStream::new))
            .build();
    ServerInterceptor recordToken =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            String token =
                headers.get(Metadata.Key.of("authentication", Metadata.ASCII_STRING_MARSHALLER));
            tokens.add(token == null ? "<none>" : token);
            return next.startCall(call, headers);
          }
        };
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
            .addService(ServerInterceptors.intercept(service, recordToken))
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  /** One {@code collect} stream. */
  private final class CollectStream implements StreamObserver<byte[]> {
    private final StreamObserver<byte[]> commands;

    CollectStream(StreamObserver<byte[]> commands) {
      this.commands = commands;
    }

    @Override
    public void onNext(byte[] segment) {
      if (!refuse.get()) {
        segments.add(DecodedSegment.parse(segment));
      }
    }

    @Override
    public void onError(Throwable t) {}

    @Override
    public void onCompleted() {
      if (refuse.get()) {
        refusedCalls.incrementAndGet();
        commands.onError(Status.UNAVAILABLE.asRuntimeException());
        return;
      }
      commands.onNext(new byte[0]); // an empty Commands
      commands.onCompleted();
    }
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
