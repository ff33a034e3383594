package io.attache.controlplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;

/**
 * xDS clients may send the node only on a stream's first request (Envoy's
 * set_node_on_first_message_only, gRPC clients); the snapshot cache picks the node group from every
 * request. This copies the first node onto later requests of the same stream that carry none, so an
 * ACK is never mistaken for a request from another node group. Never changes a node that is set.
 */
final class FirstNodeInterceptor implements ServerInterceptor {

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(
        next.startCall(call, headers)) {
      private Node first;

      @Override
      public void onMessage(Q message) {
        super.onMessage(withNode(message));
      }

      @SuppressWarnings("unchecked")
      private Q withNode(Q message) {
        if (message instanceof DiscoveryRequest request) {
          if (request.hasNode()) {
            first = first == null ? request.getNode() : first;
            return message;
          }
          return first == null ? message : (Q) request.toBuilder().setNode(first).build();
        }
        if (message instanceof DeltaDiscoveryRequest request) {
          if (request.hasNode()) {
            first = first == null ? request.getNode() : first;
            return message;
          }
          return first == null ? message : (Q) request.toBuilder().setNode(first).build();
        }
        return message;
      }
    };
  }
}
