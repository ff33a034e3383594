package io.attache.controlplane.interop;

import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real gRPC server on 127.0.0.1 serving the tiny interop service {@code attache.interop.Echo}
 * (methods Who and Admin; bytes in, the backend's name out). It counts every attempt it receives,
 * per method, so tests can see what reached the upstream — retries included. What it answers is
 * switched by the test ({@link Behaviour}); it must never decide routing itself.
 */
final class TestBackend implements AutoCloseable {

  static final String SERVICE = "attache.interop.Echo";

  /** Declared before the method descriptors that use it (static initialisation order). */
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

  static final MethodDescriptor<byte[], byte[]> WHO = method("Who");
  static final MethodDescriptor<byte[], byte[]> ADMIN = method("Admin");

  /** What the backend does with the next calls. */
  enum Behaviour {
    ANSWER,
    FAIL_UNAVAILABLE,
    /** Keep the call open until {@link #releaseHeld()}: concurrency that stays in flight. */
    HOLD
  }

  private final String name;
  private final Server server;
  private final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<StreamObserver<byte[]>> held = new ConcurrentLinkedQueue<>();
  private volatile Behaviour behaviour = Behaviour.ANSWER;

  private TestBackend(String name) throws IOException {
    this.name = name;
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(SERVICE)
            .addMethod(WHO, ServerCalls.asyncUnaryCall((request, reply) -> handle(WHO, reply)))
            .addMethod(ADMIN, ServerCalls.asyncUnaryCall((request, reply) -> handle(ADMIN, reply)))
            .build();
    this.server =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .addService(service)
            .build()
            .start();
  }

  static TestBackend start(String name) throws IOException {
    return new TestBackend(name);
  }

  String name() {
    return name;
  }

  int port() {
    return server.getPort();
  }

  void behave(Behaviour next) {
    behaviour = next;
  }

  int attempts(MethodDescriptor<byte[], byte[]> method) {
    return attempts.computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger()).get();
  }

  int attempts() {
    return attempts(WHO) + attempts(ADMIN);
  }

  int held() {
    return held.size();
  }

  void releaseHeld() {
    for (StreamObserver<byte[]> reply = held.poll(); reply != null; reply = held.poll()) {
      answer(reply);
    }
  }

  private void handle(MethodDescriptor<byte[], byte[]> method, StreamObserver<byte[]> reply) {
    attempts
        .computeIfAbsent(method.getFullMethodName(), k -> new AtomicInteger())
        .incrementAndGet();
    switch (behaviour) {
      case FAIL_UNAVAILABLE:
        reply.onError(Status.UNAVAILABLE.withDescription(name + " refuses").asRuntimeException());
        break;
      case HOLD:
        held.add(reply);
        break;
      default:
        answer(reply);
    }
  }

  private void answer(StreamObserver<byte[]> reply) {
    reply.onNext(name.getBytes(StandardCharsets.UTF_8));
    reply.onCompleted();
  }

  @Override
  public void close() throws InterruptedException {
    releaseHeld();
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The descriptor of one method of {@link #SERVICE} by its name (Who, Admin). */
  static MethodDescriptor<byte[], byte[]> method(String name) {
    return MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(MethodDescriptor.generateFullMethodName(SERVICE, name))
        .setRequestMarshaller(BYTES)
        .setResponseMarshaller(BYTES)
        .build();
  }
}
