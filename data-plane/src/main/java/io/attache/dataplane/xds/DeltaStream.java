package io.attache.dataplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.grpc.ClientCall;
import io.grpc.SynchronizationContext;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Incremental xDS over ADS: the first request of a type carries the subscription and the versions
 * already held ({@code initial_resource_versions}), later ones only subscribe/unsubscribe changes;
 * an ACK or NACK carries just the nonce.
 */
final class DeltaStream extends AdsStream {
  private final Map<XdsResourceType, Set<String>> sent = new EnumMap<>(XdsResourceType.class);

  DeltaStream(
      ClientCall<DeltaDiscoveryRequest, DeltaDiscoveryResponse> call,
      SynchronizationContext sync,
      StreamHost host,
      Node node,
      boolean setNodeOnFirstMessageOnly) {
    super(call, sync, host, node, setNodeOnFirstMessageOnly);
  }

  @Override
  XdsResponse decode(Object message) {
    DeltaDiscoveryResponse response = (DeltaDiscoveryResponse) message;
    return new XdsResponse(
        response.getTypeUrl(),
        response.getSystemVersionInfo(),
        response.getNonce(),
        response.getResourcesList().stream()
            .map(r -> new XdsResponse.Resource(r.getResource(), r.getVersion()))
            .toList(),
        List.copyOf(response.getRemovedResourcesList()),
        false);
  }

  @Override
  void subscribeOnOpen(XdsResourceType type) {
    Set<String> names = host.names(type);
    Map<String, String> versions = new HashMap<>(host.resourceVersions(type));
    if (type.subscription() == XdsResourceType.Subscription.NAMED) {
      versions.keySet().retainAll(names);
    }
    sent.put(type, new HashSet<>(names));
    send(
        base(type)
            .addAllResourceNamesSubscribe(names)
            .putAllInitialResourceVersions(versions)
            .build());
  }

  @Override
  void ack(XdsResourceType type, XdsResponse response) {
    send(base(type).setResponseNonce(response.nonce()).build());
  }

  @Override
  void nack(XdsResourceType type, XdsResponse response, String errorDetail) {
    send(
        base(type)
            .setResponseNonce(response.nonce())
            .setErrorDetail(invalidArgument(errorDetail))
            .build());
  }

  @Override
  void namesChanged(XdsResourceType type) {
    Set<String> want = host.names(type);
    Set<String> had = sent.getOrDefault(type, Set.of());
    Set<String> subscribe = new HashSet<>(want);
    subscribe.removeAll(had);
    Set<String> unsubscribe = new HashSet<>(had);
    unsubscribe.removeAll(want);
    if (subscribe.isEmpty() && unsubscribe.isEmpty()) {
      return;
    }
    sent.put(type, new HashSet<>(want));
    send(
        base(type)
            .addAllResourceNamesSubscribe(new java.util.TreeSet<>(subscribe))
            .addAllResourceNamesUnsubscribe(new java.util.TreeSet<>(unsubscribe))
            .build());
  }

  private DeltaDiscoveryRequest.Builder base(XdsResourceType type) {
    DeltaDiscoveryRequest.Builder request =
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(type.typeUrl());
    Node node = nodeForNextRequest();
    if (node != null) {
      request.setNode(node);
    }
    return request;
  }
}
