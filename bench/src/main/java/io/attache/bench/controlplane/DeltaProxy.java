package io.attache.bench.controlplane;

import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.Resource;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A simulated proxy on a delta (incremental) ADS stream: CDS and LDS wildcard, EDS and RDS by name;
 * every response is ACKed with its {@code type_url} and {@code response_nonce} alone, and the proxy
 * keeps the clusters it was sent so it can follow EDS names as Envoy does.
 */
final class DeltaProxy extends SimulatedProxy implements StreamObserver<DeltaDiscoveryResponse> {
  private final Map<String, Cluster> clusters = new HashMap<>();
  private StreamObserver<DeltaDiscoveryRequest> requests;

  DeltaProxy(Node node, RoundTracker tracker) {
    super(node, tracker);
  }

  @Override
  synchronized void start(Channel channel) {
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(this);
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(CDS).setNode(node).build());
    requests.onNext(DeltaDiscoveryRequest.newBuilder().setTypeUrl(LDS).build());
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(RDS)
            .addResourceNamesSubscribe(ROUTE)
            .build());
  }

  @Override
  public synchronized void onNext(DeltaDiscoveryResponse response) {
    String type = response.getTypeUrl();
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(type)
            .setResponseNonce(response.getNonce())
            .build());
    long ackedAt = System.nanoTime();
    if (type.equals(CDS)) {
      response.getRemovedResourcesList().forEach(clusters::remove);
      List<Cluster> sent = new ArrayList<>();
      for (Resource resource : response.getResourcesList()) {
        sent.add(SotwProxy.clusters(List.of(resource.getResource())).get(0));
      }
      sent.forEach(c -> clusters.put(c.getName(), c));
      followEdsNames(EdsNames.of(clusters.values()));
    } else if (type.equals(RDS)) {
      for (Resource resource : response.getResourcesList()) {
        if (resource.getName().equals(ROUTE)) {
          routeAcked(resource.getVersion(), ackedAt);
        }
      }
    }
    acked(type, ackedAt);
  }

  private void followEdsNames(List<String> now) {
    if (now.equals(edsNames)) {
      return;
    }
    List<String> added = new ArrayList<>(now);
    added.removeAll(edsNames);
    List<String> removed = new ArrayList<>(edsNames);
    removed.removeAll(now);
    edsNames = now;
    requests.onNext(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(EDS)
            .addAllResourceNamesSubscribe(added)
            .addAllResourceNamesUnsubscribe(removed)
            .build());
  }

  @Override
  public void onError(Throwable error) {
    failed(error);
  }

  @Override
  public void onCompleted() {
    failed(new IllegalStateException("the server closed the stream"));
  }
}
