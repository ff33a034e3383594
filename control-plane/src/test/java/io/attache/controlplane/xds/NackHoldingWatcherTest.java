package io.attache.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.rpc.Status;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

class NackHoldingWatcherTest {

  private static final String CDS = "type.googleapis.com/envoy.config.cluster.v3.Cluster";
  private static final Node NODE = Node.newBuilder().setId("orders-1").setCluster("orders").build();

  /** Records what the cache was asked; answers nothing. */
  private static final class RecordingCache implements ConfigWatcher {
    final List<XdsRequest> requests = new ArrayList<>();

    @Override
    public Watch createWatch(
        boolean ads,
        XdsRequest request,
        Set<String> known,
        Consumer<Response> consumer,
        boolean hasClusterChanged,
        boolean allowDefaultEmptyEdsUpdate) {
      requests.add(request);
      return null;
    }

    @Override
    public DeltaWatch createDeltaWatch(
        DeltaXdsRequest request,
        String requesterVersion,
        Map<String, String> resourceVersions,
        Set<String> pendingResources,
        boolean isWildcard,
        Consumer<DeltaResponse> consumer,
        boolean hasClusterChanged) {
      return null;
    }
  }

  private final ProxyStatusTracker tracker = new ProxyStatusTracker(Clock.systemUTC());
  private final RecordingCache cache = new RecordingCache();
  private final NackHoldingWatcher watcher = new NackHoldingWatcher(cache, tracker);

  @Test
  void aNackIsWatchedAsIfTheClientHeldTheVersionItRefused() {
    DiscoveryRequest first = request("", "", false);
    tracker.onStreamOpen(1, "");
    tracker.onV3StreamRequest(1, first);
    tracker.onV3StreamResponse(
        1,
        first,
        DiscoveryResponse.newBuilder().setTypeUrl(CDS).setVersionInfo("v2").setNonce("7").build());
    DiscoveryRequest nack = request("v1", "7", true);
    tracker.onV3StreamRequest(1, nack);

    watch(nack);

    assertThat(cache.requests.get(0).getVersionInfo()).isEqualTo("v2");
    assertThat(cache.requests.get(0).hasErrorDetail()).isTrue();
  }

  @Test
  void anAckAndANackOfAnUnknownNonceReachTheCacheUnchanged() {
    DiscoveryRequest ack = request("v1", "3", false);
    DiscoveryRequest unknownNack = request("v1", "99", true);

    watch(ack);
    watch(unknownNack);

    assertThat(cache.requests).extracting(XdsRequest::getVersionInfo).containsExactly("v1", "v1");
  }

  private void watch(DiscoveryRequest request) {
    watcher.createWatch(true, XdsRequest.create(request), Set.of(), r -> {}, false, false);
  }

  private static DiscoveryRequest request(String version, String nonce, boolean nack) {
    DiscoveryRequest.Builder request =
        DiscoveryRequest.newBuilder()
            .setNode(NODE)
            .setTypeUrl(CDS)
            .setVersionInfo(version)
            .setResponseNonce(nonce);
    if (nack) {
      request.setErrorDetail(Status.newBuilder().setCode(3).setMessage("refused"));
    }
    return request.build();
  }
}
