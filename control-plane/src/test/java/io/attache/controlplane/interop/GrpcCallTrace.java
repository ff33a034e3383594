package io.attache.controlplane.interop;

import io.grpc.Attributes;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.ClientStreamTracer;
import io.grpc.ForwardingClientCall;
import io.grpc.ForwardingClientCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.util.ArrayList;
import java.util.List;

/**
 * What one grpc-java call did, step by step: the application's side (start, cancel, the listener's
 * headers, messages and close) and the transport's side (each stream attempt, whether it was
 * created on a transport or left pending, headers out and in, the stream's close), each with the
 * time since the call began and the thread it ran on. Printed when a call does not complete, so the
 * report says where it stopped. It observes only: it must never change what the call does.
 */
final class GrpcCallTrace implements ClientInterceptor {

  /** Channel-wide objects reachable from a call; their state says nothing about this call. */
  private static final java.util.Set<String> NOT_CALL_STATE =
      java.util.Set.of(
          "configSelector",
          "channel",
          "clientStreamProvider",
          "this$0",
          "this$1",
          "deadlineCancellationExecutor",
          "scheduledExecutorService",
          "decompressorRegistry",
          "compressorRegistry",
          "channelCallsTracer",
          "channelBufferUsed",
          "method",
          "val$method",
          "callOptions",
          "val$callOptions");

  private final long startNanos = System.nanoTime();
  private final List<String> events = new ArrayList<>();
  private volatile ClientCall<?, ?> call;

  private synchronized void record(String event) {
    events.add(
        String.format(
            "%+8.1f ms [%s] %s",
            (System.nanoTime() - startNanos) / 1e6, Thread.currentThread().getName(), event));
  }

  /**
   * The events so far, one a line, the call object as grpc-java describes it, and grpc-java's
   * internal state of the call (read reflectively: which layer still holds the close).
   */
  synchronized String describe() {
    StringBuilder internals = new StringBuilder();
    dumpInternals(call, "call", 0, new java.util.IdentityHashMap<>(), internals);
    return "call "
        + call
        + "\n  "
        + String.join("\n  ", events)
        + "\ngrpc-java internals:\n"
        + internals;
  }

  private static void dumpInternals(
      Object value,
      String name,
      int depth,
      java.util.IdentityHashMap<Object, Boolean> seen,
      StringBuilder out) {
    String indent = "  ".repeat(depth + 1);
    if (value == null) {
      out.append(indent).append(name).append(" = null\n");
      return;
    }
    Class<?> type = value.getClass();
    boolean grpcInternal = type.getName().startsWith("io.grpc.") && !type.isEnum();
    String text;
    try {
      text = grpcInternal ? type.getName() : String.valueOf(value);
    } catch (RuntimeException e) {
      text = type.getName() + " (toString threw " + e + ")";
    }
    out.append(indent).append(name).append(" = ").append(text, 0, Math.min(300, text.length()));
    out.append('\n');
    if (!grpcInternal || depth >= 8 || seen.put(value, Boolean.TRUE) != null) {
      return;
    }
    for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
      for (java.lang.reflect.Field field : c.getDeclaredFields()) {
        if (java.lang.reflect.Modifier.isStatic(field.getModifiers())
            || NOT_CALL_STATE.contains(field.getName())
            || field.getType().isPrimitive()
                && !field.getName().equals("isClosed")
                && !field.getName().equals("closed")
                && !field.getName().equals("runState")) {
          continue;
        }
        try {
          field.setAccessible(true);
          dumpInternals(field.get(value), field.getName(), depth + 1, seen, out);
        } catch (ReflectiveOperationException | RuntimeException e) {
          out.append(indent).append("  ").append(field.getName()).append(": ").append(e);
          out.append('\n');
        }
      }
    }
  }

  @Override
  public <ReqT, RespT> ClientCall<ReqT, RespT> interceptCall(
      MethodDescriptor<ReqT, RespT> method, CallOptions options, Channel next) {
    record("newCall " + method.getFullMethodName() + " deadline " + options.getDeadline());
    ClientCall<ReqT, RespT> delegate =
        next.newCall(method, options.withStreamTracerFactory(new StreamTracerFactory()));
    call = delegate;
    return new ForwardingClientCall.SimpleForwardingClientCall<>(delegate) {
      @Override
      public void start(Listener<RespT> listener, Metadata headers) {
        record("start");
        super.start(
            new ForwardingClientCallListener.SimpleForwardingClientCallListener<>(listener) {
              @Override
              public void onHeaders(Metadata headers) {
                record("listener.onHeaders");
                super.onHeaders(headers);
              }

              @Override
              public void onMessage(RespT message) {
                record("listener.onMessage");
                super.onMessage(message);
              }

              @Override
              public void onClose(Status status, Metadata trailers) {
                record("listener.onClose " + status);
                super.onClose(status, trailers);
              }
            },
            headers);
      }

      @Override
      public void cancel(String message, Throwable cause) {
        record("cancel " + message);
        super.cancel(message, cause);
      }

      @Override
      public void halfClose() {
        record("halfClose");
        super.halfClose();
      }
    };
  }

  private final class StreamTracerFactory extends ClientStreamTracer.Factory {
    @Override
    public ClientStreamTracer newClientStreamTracer(
        ClientStreamTracer.StreamInfo info, Metadata headers) {
      record(
          "stream attempt "
              + info.getPreviousAttempts()
              + (info.isTransparentRetry() ? " (transparent retry)" : ""));
      return new ClientStreamTracer() {
        @Override
        public void createPendingStream() {
          record("stream pending (no ready transport when picked)");
        }

        @Override
        public void streamCreated(Attributes transportAttrs, Metadata headers) {
          record("stream created on transport " + transportAttrs);
        }

        @Override
        public void outboundHeaders() {
          record("stream headers sent");
        }

        @Override
        public void inboundHeaders() {
          record("stream headers received");
        }

        @Override
        public void inboundTrailers(Metadata trailers) {
          record("stream trailers received");
        }

        @Override
        public void streamClosed(Status status) {
          record("stream closed " + status);
        }
      };
    }
  }
}
