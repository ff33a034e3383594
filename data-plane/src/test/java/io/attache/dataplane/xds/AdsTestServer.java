package io.attache.dataplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A real ADS server for tests: java-control-plane's V3DiscoveryServer over a SimpleCache on an
 * ephemeral port, recording every request it receives. It can be stopped and started again on the
 * same port with the same cache, as a restarted control plane would be.
 *
 * <p>One deviation from a bare SimpleCache: after a state-of-the-world NACK the cache would resend
 * the rejected version at once, forever; like a production control plane, this server holds the
 * rejected version until the snapshot changes.
 */
final class AdsTestServer implements AutoCloseable {
  static final String GROUP = "test-group";

  final SimpleCache<String> cache = new SimpleCache<>(node -> GROUP);
  final List<DiscoveryRequest> requests = new CopyOnWriteArrayList<>();
  final List<DeltaDiscoveryRequest> deltaRequests = new CopyOnWriteArrayList<>();
  private final Map<String, String> versionByNonce = new ConcurrentHashMap<>();
  private final V3DiscoveryServer discovery;
  private Server server;
  private int port;

  AdsTestServer() {
    DiscoveryServerCallbacks callbacks =
        new DiscoveryServerCallbacks() {
          @Override
          public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
            requests.add(request);
          }

          @Override
          public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {
            deltaRequests.add(request);
          }

          @Override
          public void onV3StreamResponse(
              long streamId, DiscoveryRequest request, DiscoveryResponse response) {
            versionByNonce.put(response.getNonce(), response.getVersionInfo());
          }
        };
    discovery = new V3DiscoveryServer(callbacks, new NackHoldingWatcher());
  }

  AdsTestServer start() throws IOException {
    server =
        Grpc.newServerBuilderForPort(port, InsecureServerCredentials.create())
            .addService(discovery.getAggregatedDiscoveryServiceImpl())
            .build()
            .start();
    port = server.getPort();
    return this;
  }

  int port() {
    return port;
  }

  void setSnapshot(Snapshot snapshot) {
    cache.setSnapshot(GROUP, snapshot);
  }

  void stop() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  @Override
  public void close() throws InterruptedException {
    stop();
  }

  private final class NackHoldingWatcher implements ConfigWatcher {
    @Override
    public Watch createWatch(
        boolean ads,
        XdsRequest request,
        Set<String> knownResourceNames,
        Consumer<Response> responseConsumer,
        boolean hasClusterChanged,
        boolean allowDefaultEmptyEdsUpdate) {
      XdsRequest held = request;
      String rejected =
          request.hasErrorDetail() ? versionByNonce.get(request.getResponseNonce()) : null;
      if (rejected != null) {
        held = XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(rejected).build());
      }
      return cache.createWatch(
          ads,
          held,
          knownResourceNames,
          responseConsumer,
          hasClusterChanged,
          allowDefaultEmptyEdsUpdate);
    }

    @Override
    public DeltaWatch createDeltaWatch(
        DeltaXdsRequest request,
        String requesterVersion,
        Map<String, String> resourceVersions,
        Set<String> pendingResources,
        boolean isWildcard,
        Consumer<DeltaResponse> responseConsumer,
        boolean hasClusterChanged) {
      return cache.createDeltaWatch(
          request,
          requesterVersion,
          resourceVersions,
          pendingResources,
          isWildcard,
          responseConsumer,
          hasClusterChanged);
    }
  }
}
