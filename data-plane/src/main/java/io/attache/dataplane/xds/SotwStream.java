package io.attache.dataplane.xds;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ClientCall;
import io.grpc.SynchronizationContext;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * State of the world over ADS: each request names the whole subscription of its type with the last
 * ACKed {@code version_info} and the nonce of the last response of that type on this stream.
 */
final class SotwStream extends AdsStream {
  private final Map<XdsResourceType, String> nonces = new EnumMap<>(XdsResourceType.class);
  private final Set<XdsResourceType> requested = EnumSet.noneOf(XdsResourceType.class);

  SotwStream(
      ClientCall<DiscoveryRequest, DiscoveryResponse> call,
      SynchronizationContext sync,
      StreamHost host,
      Node node,
      boolean setNodeOnFirstMessageOnly) {
    super(call, sync, host, node, setNodeOnFirstMessageOnly);
  }

  @Override
  XdsResponse decode(Object message) {
    DiscoveryResponse response = (DiscoveryResponse) message;
    return new XdsResponse(
        response.getTypeUrl(),
        response.getVersionInfo(),
        response.getNonce(),
        response.getResourcesList().stream()
            .map(any -> new XdsResponse.Resource(any, response.getVersionInfo()))
            .toList(),
        java.util.List.of(),
        true);
  }

  @Override
  void subscribeOnOpen(XdsResourceType type) {
    request(type, host.ackedVersion(type), "", null);
  }

  @Override
  void ack(XdsResourceType type, XdsResponse response) {
    nonces.put(type, response.nonce());
    request(type, response.versionInfo(), response.nonce(), null);
  }

  @Override
  void nack(XdsResourceType type, XdsResponse response, String errorDetail) {
    nonces.put(type, response.nonce());
    request(type, host.ackedVersion(type), response.nonce(), errorDetail);
  }

  @Override
  void namesChanged(XdsResourceType type) {
    if (!requested.contains(type) && host.names(type).isEmpty()) {
      return;
    }
    request(type, host.ackedVersion(type), nonces.getOrDefault(type, ""), null);
  }

  private void request(XdsResourceType type, String version, String nonce, String errorDetail) {
    requested.add(type);
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setTypeUrl(type.typeUrl())
            .setVersionInfo(version)
            .setResponseNonce(nonce)
            .addAllResourceNames(host.names(type));
    Node node = nodeForNextRequest();
    if (node != null) {
      request.setNode(node);
    }
    if (errorDetail != null) {
      request.setErrorDetail(invalidArgument(errorDetail));
    }
    send(request.build());
  }
}
