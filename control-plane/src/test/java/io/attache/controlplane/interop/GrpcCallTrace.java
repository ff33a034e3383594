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

  private final long startNanos = System.nanoTime();
  private final List<String> events = new ArrayList<>();
  private volatile ClientCall<?, ?> call;

  private synchronized void record(String event) {
    events.add(
        String.format(
            "%+8.1f ms [%s] %s",
            (System.nanoTime() - startNanos) / 1e6, Thread.currentThread().getName(), event));
  }

  /** The events so far, one a line, and the call object as grpc-java describes it. */
  synchronized String describe() {
    return "call " + call + "\n  " + String.join("\n  ", events);
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
