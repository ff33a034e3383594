package io.attache.controlplane.xds;

import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Snapshot;
import io.envoyproxy.controlplane.cache.SnapshotCache;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Stands between the xDS server and the snapshot cache so that a NACK is never answered with what
 * it refused: the refused resources go out again only once the policy changes them — at most one
 * NACK per proxy per change, as Istio does — for every type, state-of-the-world and delta. Left to
 * itself the cache answers a NACK at once with the same resources, an endless loop between a proxy
 * and the control plane: a state-of-the-world NACK carries the last <em>accepted</em> version (so
 * the client looks behind) and names resources the client never accepted (so they look newly asked
 * for); a delta NACK leaves the refused resources pending (so they look never sent). Here a NACK's
 * watch is opened as if the client held what it refused; a snapshot that already moved on is still
 * sent at once. Never drops a request and never answers one itself.
 *
 * <p>A state-of-the-world NACK names the refused response only by its nonce, and nonces count per
 * stream, so the refused version is looked up on the NACK's own stream: as a server callback this
 * sees each response sent, and each request just before the server opens its watch with that very
 * request object.
 */
public final class NackHoldingWatcher implements ConfigWatcher, DiscoveryServerCallbacks {

  private final SnapshotCache<ProxyGroup, ? extends Snapshot> cache;

  /** Per open stream and type URL, the last response sent: its nonce and version. */
  private final Map<Long, Map<String, SentResponse>> sent = new ConcurrentHashMap<>();

  /** NACKs between their callback and their watch: the request object → the version it refused. */
  private final Map<DiscoveryRequest, String> refusedVersion =
      Collections.synchronizedMap(new IdentityHashMap<>());

  /** Per stream, the NACK it has in {@link #refusedVersion}, so the stream's end clears it. */
  private final Map<Long, DiscoveryRequest> nackOfStream = new ConcurrentHashMap<>();

  private record SentResponse(String nonce, String version) {}

  public NackHoldingWatcher(SnapshotCache<ProxyGroup, ? extends Snapshot> cache) {
    this.cache = cache;
  }

  // ---- state-of-the-world --------------------------------------------------------------------

  @Override
  public void onV3StreamResponse(
      long streamId, DiscoveryRequest request, DiscoveryResponse response) {
    sent.computeIfPresent(
        streamId,
        (id, byType) -> {
          byType.put(
              response.getTypeUrl(),
              new SentResponse(response.getNonce(), response.getVersionInfo()));
          return byType;
        });
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) {
    forgetNackOf(streamId);
    if (!request.hasErrorDetail()) {
      return;
    }
    SentResponse last = sent.getOrDefault(streamId, Map.of()).get(request.getTypeUrl());
    // Only a NACK of the latest response gets a watch; an older one is ignored by the server.
    if (last != null && last.nonce().equals(request.getResponseNonce())) {
      refusedVersion.put(request, last.version());
      nackOfStream.put(streamId, request);
    }
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    String refused = request.hasErrorDetail() ? refusedVersion.remove(request.v3Request()) : null;
    if (refused == null) {
      return cache.createWatch(
          ads,
          request,
          knownResourceNames,
          responseConsumer,
          hasClusterChanged,
          allowDefaultEmptyEdsUpdate);
    }
    // As if the client held the refused version of exactly the resources it names: the cache then
    // answers only when that version is no longer the snapshot's.
    return cache.createWatch(
        ads,
        XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(refused).build()),
        Set.copyOf(request.getResourceNamesList()),
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  // ---- delta ---------------------------------------------------------------------------------

  /** Nothing to note: the server hands a delta NACK's refused version to its watch itself. */
  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request) {}

  @Override
  public DeltaWatch createDeltaWatch(
      DeltaXdsRequest request,
      String requesterVersion,
      Map<String, String> resourceVersions,
      Set<String> pendingResources,
      boolean isWildcard,
      Consumer<DeltaResponse> responseConsumer,
      boolean hasClusterChanged) {
    Snapshot snapshot =
        request.hasErrorDetail()
            ? cache.getSnapshot(ProxyGroup.of(request.v3Request().getNode()))
            : null;
    // requesterVersion is the version of the response the NACK refused: a snapshot still at it
    // holds exactly what was refused.
    if (snapshot == null
        || !snapshot.version(request.getResourceType(), List.of()).equals(requesterVersion)) {
      return cache.createDeltaWatch(
          request,
          requesterVersion,
          resourceVersions,
          pendingResources,
          isWildcard,
          responseConsumer,
          hasClusterChanged);
    }
    return new HeldDeltaWatch(
            request,
            requesterVersion,
            Map.copyOf(resourceVersions),
            Set.copyOf(pendingResources),
            isWildcard,
            responseConsumer)
        .holdUntilTheTypeChanges(snapshot);
  }

  /**
   * A delta NACK's watch while the snapshot still holds what was refused. It waits, behind a cache
   * watch that wakes at any change of the type, and only then asks the cache for the real answer:
   * everything the client does not hold — the refused resources as they are now, and the change.
   * The server holds {@link #visible}; cancelling it cancels whatever waits behind.
   */
  private final class HeldDeltaWatch {
    private final DeltaXdsRequest request;
    private final String refusedVersion;
    private final Map<String, String> held;
    private final Set<String> pending;
    private final boolean isWildcard;
    private final Consumer<DeltaResponse> responseConsumer;
    private final DeltaWatch visible;
    private DeltaWatch behind;
    private boolean cancelled;

    HeldDeltaWatch(
        DeltaXdsRequest request,
        String refusedVersion,
        Map<String, String> held,
        Set<String> pending,
        boolean isWildcard,
        Consumer<DeltaResponse> responseConsumer) {
      this.request = request;
      this.refusedVersion = refusedVersion;
      this.held = held;
      this.pending = pending;
      this.isWildcard = isWildcard;
      this.responseConsumer = responseConsumer;
      this.visible =
          new DeltaWatch(request, held, pending, refusedVersion, isWildcard, responseConsumer);
      this.visible.setStop(this::cancel);
    }

    synchronized DeltaWatch holdUntilTheTypeChanges(Snapshot snapshot) {
      // Every resource of the type as the client was offered it, and wildcard: any resource
      // added, changed or removed from here on wakes it. The cache answers at once if the
      // snapshot moved on since it was read.
      Map<String, String> offered = new HashMap<>();
      snapshot
          .versionedResources(request.getResourceType())
          .forEach((name, resource) -> offered.put(name, resource.version()));
      DeltaWatch detector =
          cache.createDeltaWatch(
              request, refusedVersion, offered, Set.of(), true, changed -> wake(), false);
      if (behind == null) {
        behind = detector;
      }
      return visible;
    }

    private synchronized void wake() {
      if (cancelled) {
        return;
      }
      behind =
          cache.createDeltaWatch(
              request, refusedVersion, held, pending, isWildcard, responseConsumer, false);
    }

    private synchronized void cancel() {
      cancelled = true;
      if (behind != null) {
        behind.cancel();
      }
    }
  }

  // ---- stream ends ---------------------------------------------------------------------------

  @Override
  public void onStreamOpen(long streamId, String typeUrl) {
    sent.put(streamId, new ConcurrentHashMap<>());
  }

  @Override
  public void onStreamClose(long streamId, String typeUrl) {
    forget(streamId);
  }

  @Override
  public void onStreamCloseWithError(long streamId, String typeUrl, Throwable error) {
    forget(streamId);
  }

  private void forget(long streamId) {
    sent.remove(streamId);
    forgetNackOf(streamId);
  }

  private void forgetNackOf(long streamId) {
    DiscoveryRequest nack = nackOfStream.remove(streamId);
    if (nack != null) {
      refusedVersion.remove(nack);
    }
  }

  /** Streams this watcher remembers responses of: the open ones. */
  int streamsRemembered() {
    return sent.size();
  }
}
