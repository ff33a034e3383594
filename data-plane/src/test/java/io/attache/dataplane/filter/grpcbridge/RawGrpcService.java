package io.attache.dataplane.filter.grpcbridge;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * A real grpc-java server with one service, {@code bridge.Echo}, whose messages are raw bytes (no
 * generated stubs needed): {@code Echo} answers {@code "echo:" + request}; {@code Fail} sends a
 * message and then fails with UNAVAILABLE "no backend" (a status in real trailers, after data).
 * Unknown methods get grpc-java's trailers-only UNIMPLEMENTED.
 */
final class RawGrpcService implements AutoCloseable {
  static final MethodDescriptor.Marshaller<byte[]> BYTES =
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

  static final MethodDescriptor<byte[], byte[]> ECHO = method("Echo");
  static final MethodDescriptor<byte[], byte[]> FAIL = method("Fail");

  private final Server server;

  private static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder(BYTES, BYTES)
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName("bridge.Echo/" + name)
        .build();
  }

  RawGrpcService() throws IOException {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder("bridge.Echo")
            .addMethod(
                ECHO,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext(
                          ("echo:" + new String(request, StandardCharsets.UTF_8))
                              .getBytes(StandardCharsets.UTF_8));
                      response.onCompleted();
                    }))
            .addMethod(
                FAIL,
                ServerCalls.asyncUnaryCall(
                    (request, response) -> {
                      response.onNext("partial".getBytes(StandardCharsets.UTF_8));
                      response.onError(
                          Status.UNAVAILABLE.withDescription("no backend").asRuntimeException());
                    }))
            .build();
    server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
  }

  int port() {
    return server.getPort();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }
}
