package io.attache.dataplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ClientCall;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.SynchronizationContext;

/**
 * One bidirectional ADS stream, state of the world or delta. It turns the owner's decisions (ACK,
 * NACK, a changed subscription) into requests and hands every response and the stream's end back to
 * the owner, all on the owner's serialised context. One instance per connection attempt; never
 * reused after it closed.
 */
abstract class AdsStream {
  private final ClientCall<Object, Object> call;
  private final SynchronizationContext sync;
  final StreamHost host;
  private final Node node;
  private final boolean setNodeOnFirstMessageOnly;
  private boolean nodeSent;

  @SuppressWarnings("unchecked")
  AdsStream(
      ClientCall<?, ?> call,
      SynchronizationContext sync,
      StreamHost host,
      Node node,
      boolean setNodeOnFirstMessageOnly) {
    this.call = (ClientCall<Object, Object>) call;
    this.sync = sync;
    this.host = host;
    this.node = node;
    this.setNodeOnFirstMessageOnly = setNodeOnFirstMessageOnly;
  }

  /** Starts the call and sends the owner's subscriptions. */
  final void open(Metadata headers) {
    call.start(
        new ClientCall.Listener<>() {
          @Override
          public void onHeaders(Metadata headers) {
            sync.execute(() -> host.onStreamReady(AdsStream.this));
          }

          @Override
          public void onMessage(Object message) {
            sync.execute(
                () -> {
                  host.onResponse(AdsStream.this, decode(message));
                  // One response at a time: the next is read only after this one was handled.
                  call.request(1);
                });
          }

          @Override
          public void onClose(Status status, Metadata trailers) {
            sync.execute(() -> host.onStreamClosed(AdsStream.this, status));
          }
        },
        headers);
    call.request(1);
    for (XdsResourceType type : host.subscribedTypes()) {
      subscribeOnOpen(type);
    }
  }

  final void cancel() {
    call.cancel("ADS client closed", null);
  }

  /**
   * The node for the next request: always, or only in the first request of the stream when {@code
   * set_node_on_first_message_only} is set; null otherwise.
   */
  final Node nodeForNextRequest() {
    if (setNodeOnFirstMessageOnly && nodeSent) {
      return null;
    }
    nodeSent = true;
    return node;
  }

  final void send(Object request) {
    call.sendMessage(request);
  }

  abstract XdsResponse decode(Object message);

  abstract void subscribeOnOpen(XdsResourceType type);

  /** Accepts {@code response}; the owner has already recorded its version as ACKed. */
  abstract void ack(XdsResourceType type, XdsResponse response);

  /** Rejects {@code response}, keeping the previous version. */
  abstract void nack(XdsResourceType type, XdsResponse response, String errorDetail);

  /** The owner's set of names for a named type changed. */
  abstract void namesChanged(XdsResourceType type);

  static com.google.rpc.Status invalidArgument(String message) {
    return com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.INVALID_ARGUMENT.value())
        .setMessage(message)
        .build();
  }
}
