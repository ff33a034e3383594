package io.attache.controlplane.xds;

import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the edges of every xDS stream. Before a request reaches the discovery server it refuses what
 * the server must never see — node metadata over {@link XdsLimits}, a first request without a node,
 * a type_url missing on ADS or not one this server serves — and pins the stream's node to its first
 * one (clients may send it on the first request only; it may not change within a stream). However
 * the stream then ends — the client cancels, vanishes or half-closes, the guard refuses, the
 * discovery server closes or throws — the discovery server hears of it (so the stream's watches are
 * cancelled and its tracker entry removed) and the stream's node group is released. Refused and
 * failed streams get a clean status naming the reason; nothing the discovery server throws reaches
 * gRPC. Never blocks.
 */
public final class XdsStreamGuard implements ServerInterceptor {

  private static final Logger LOG = LoggerFactory.getLogger(XdsStreamGuard.class);
  private static final String ADS_SERVICE = AggregatedDiscoveryServiceGrpc.SERVICE_NAME;

  /** A client's strings are echoed into statuses and logs only this far. */
  private static final int ECHOED_CHARS = 200;

  private final XdsLimits limits;
  private final SnapshotPublisher groups;
  private final RefusalLog refusals;

  public XdsStreamGuard(XdsLimits limits, SnapshotPublisher groups, RefusalLog refusals) {
    this.limits = limits;
    this.groups = groups;
    this.refusals = refusals;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(
      ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    GuardedStream<Q, R> stream =
        new GuardedStream<>(call, ADS_SERVICE.equals(call.getMethodDescriptor().getServiceName()));
    return stream.listener(next.startCall(stream.call, headers));
  }

  /** Why a request is refused, as the status the client gets. */
  private Status check(Object message, boolean ads, boolean firstRequest) {
    Node node;
    boolean hasNode;
    String typeUrl;
    if (message instanceof DiscoveryRequest request) {
      node = request.getNode();
      hasNode = request.hasNode();
      typeUrl = request.getTypeUrl();
    } else if (message instanceof DeltaDiscoveryRequest request) {
      node = request.getNode();
      hasNode = request.hasNode();
      typeUrl = request.getTypeUrl();
    } else {
      return null;
    }
    int metadataBytes = node.getMetadata().getSerializedSize();
    if (metadataBytes > limits.maxNodeMetadataBytes()) {
      return Status.RESOURCE_EXHAUSTED.withDescription(
          "node metadata is "
              + metadataBytes
              + " bytes; this control plane accepts at most "
              + limits.maxNodeMetadataBytes()
              + " (--max-node-metadata-bytes)");
    }
    if (firstRequest && !hasNode) {
      return Status.INVALID_ARGUMENT.withDescription(
          "the first request of an xDS stream must carry the node");
    }
    if (typeUrl.isEmpty()) {
      return ads ? Status.INVALID_ARGUMENT.withDescription("type_url is required on ADS") : null;
    }
    if (!Resources.V3.TYPE_URLS.contains(typeUrl)) {
      return Status.INVALID_ARGUMENT.withDescription(
          "unknown type_url '"
              + echoed(typeUrl)
              + "'; this control plane serves "
              + String.join(", ", Resources.V3.TYPE_URLS));
    }
    return null;
  }

  private static String echoed(String clientText) {
    return clientText.length() <= ECHOED_CHARS
        ? clientText
        : clientText.substring(0, ECHOED_CHARS) + "…(" + clientText.length() + " chars)";
  }

  private static Node nodeOf(Object message) {
    if (message instanceof DiscoveryRequest request) {
      return request.getNode();
    }
    if (message instanceof DeltaDiscoveryRequest request) {
      return request.getNode();
    }
    return Node.getDefaultInstance();
  }

  /**
   * One stream. The call may be used from any thread (pushes come from the publisher), so closing
   * and sending go through one lock; listener callbacks come one at a time from gRPC.
   */
  private final class GuardedStream<Q, R> {
    private final boolean ads;
    private final Object lock = new Object();
    private final GuardedCall call;
    private boolean closed;
    private boolean closedByServer;
    // Touched by listener callbacks only.
    private Node first;
    private ProxyGroup group;
    private boolean refused;
    private boolean ended;

    GuardedStream(ServerCall<Q, R> call, boolean ads) {
      this.call = new GuardedCall(call);
      this.ads = ads;
    }

    ServerCall.Listener<Q> listener(ServerCall.Listener<Q> server) {
      return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(server) {
        @Override
        public void onMessage(Q message) {
          if (refused) {
            return;
          }
          Status refusal = check(message, ads, first == null);
          if (refusal != null) {
            refuse(refusal, nodeOf(message));
            return;
          }
          Q pinned = pinned(message);
          try {
            if (group == null) {
              group = ProxyGroup.of(first);
              groups.streamOpened(group);
            }
            super.onMessage(pinned);
          } catch (RuntimeException e) {
            failed(e);
          }
        }

        @Override
        public void onHalfClose() {
          if (refused) {
            return;
          }
          try {
            super.onHalfClose();
          } catch (RuntimeException e) {
            failed(e);
          }
        }

        @Override
        public void onReady() {
          try {
            super.onReady();
          } catch (RuntimeException e) {
            failed(e);
          }
        }

        @Override
        public void onCancel() {
          ended(super::onCancel);
        }

        @Override
        public void onComplete() {
          // A stream the discovery server did not close itself (refused here, or failed) is,
          // as far as it is concerned, cancelled: that is what cancels its watches and runs its
          // close callbacks.
          ended(closedByServer() ? super::onComplete : super::onCancel);
        }
      };
    }

    @SuppressWarnings("unchecked")
    private Q pinned(Q message) {
      if (message instanceof DiscoveryRequest request) {
        if (first == null) {
          first = request.getNode();
          return message;
        }
        return request.getNode() == first
            ? message
            : (Q) request.toBuilder().setNode(first).build();
      }
      if (message instanceof DeltaDiscoveryRequest request) {
        if (first == null) {
          first = request.getNode();
          return message;
        }
        return request.getNode() == first
            ? message
            : (Q) request.toBuilder().setNode(first).build();
      }
      return message;
    }

    private void refuse(Status status, Node node) {
      refused = true;
      Node who = first != null ? first : node;
      String identity = ProxyGroup.authenticatedIdentity(who);
      refusals.refused(
          echoed(who.getId()),
          identity.isEmpty() ? "no proved identity" : identity,
          "stream",
          status.getCode() + ": " + status.getDescription());
      closeByGuard(status);
    }

    private void failed(RuntimeException e) {
      refused = true;
      LOG.error(
          "xDS stream of node '{}' failed in the discovery server; closing it",
          first == null ? "" : echoed(first.getId()),
          e);
      closeByGuard(
          Status.INTERNAL.withDescription(
              "the control plane failed to serve this stream; its log has the cause"));
    }

    private void ended(Runnable tellServer) {
      if (ended) {
        return;
      }
      ended = true;
      try {
        tellServer.run();
      } catch (RuntimeException e) {
        LOG.error("the discovery server failed while its stream ended", e);
      } finally {
        if (group != null) {
          groups.streamClosed(group);
        }
      }
    }

    private void closeByGuard(Status status) {
      call.closeByGuard(status);
    }

    private boolean closedByServer() {
      synchronized (lock) {
        return closedByServer;
      }
    }

    /** The call the discovery server sees: nothing goes out once the stream is closed. */
    private final class GuardedCall extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
      GuardedCall(ServerCall<Q, R> call) {
        super(call);
      }

      @Override
      public void sendHeaders(Metadata headers) {
        synchronized (lock) {
          if (!closed) {
            super.sendHeaders(headers);
          }
        }
      }

      @Override
      public void sendMessage(R message) {
        synchronized (lock) {
          if (!closed) {
            super.sendMessage(message);
          }
        }
      }

      @Override
      public void close(Status status, Metadata trailers) {
        synchronized (lock) {
          if (closed) {
            return;
          }
          closed = true;
          closedByServer = true;
          super.close(status, trailers);
        }
      }

      void closeByGuard(Status status) {
        synchronized (lock) {
          if (closed) {
            return;
          }
          closed = true;
          super.close(status, new Metadata());
        }
      }
    }
  }
}
