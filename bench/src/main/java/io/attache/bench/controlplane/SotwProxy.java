package io.attache.bench.controlplane;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Channel;
import io.grpc.stub.StreamObserver;
import java.util.ArrayList;
import java.util.List;

/**
 * A simulated proxy on a state-of-the-world ADS stream: every ACK repeats the type's subscribed
 * names with the response's {@code version_info} and {@code response_nonce}, as Envoy's does.
 */
final class SotwProxy extends SimulatedProxy implements StreamObserver<DiscoveryResponse> {
  private StreamObserver<DiscoveryRequest> requests;

  SotwProxy(Node node, RoundTracker tracker) {
    super(node, tracker);
  }

  @Override
  synchronized void start(Channel channel) {
    requests = AggregatedDiscoveryServiceGrpc.newStub(channel).streamAggregatedResources(this);
    requests.onNext(subscription(CDS, List.of()).setNode(node).build());
    requests.onNext(subscription(LDS, List.of()).build());
    requests.onNext(subscription(RDS, List.of(ROUTE)).build());
  }

  @Override
  public synchronized void onNext(DiscoveryResponse response) {
    String type = response.getTypeUrl();
    requests.onNext(
        subscription(type, namesOf(type))
            .setVersionInfo(response.getVersionInfo())
            .setResponseNonce(response.getNonce())
            .build());
    long ackedAt = System.nanoTime();
    if (type.equals(CDS)) {
      List<String> eds = EdsNames.of(clusters(response.getResourcesList()));
      if (!eds.equals(edsNames)) {
        edsNames = eds;
        requests.onNext(subscription(EDS, eds).build());
      }
    } else if (type.equals(RDS)) {
      routeAcked(response.getVersionInfo(), ackedAt);
    }
    acked(type, ackedAt);
  }

  private List<String> namesOf(String type) {
    if (type.equals(EDS)) {
      return edsNames;
    }
    return type.equals(RDS) ? List.of(ROUTE) : List.of();
  }

  private static DiscoveryRequest.Builder subscription(String type, List<String> names) {
    return DiscoveryRequest.newBuilder().setTypeUrl(type).addAllResourceNames(names);
  }

  static List<Cluster> clusters(List<Any> resources) {
    List<Cluster> clusters = new ArrayList<>(resources.size());
    for (Any any : resources) {
      try {
        clusters.add(any.unpack(Cluster.class));
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("CDS response holds a resource that is no Cluster", e);
      }
    }
    return clusters;
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
