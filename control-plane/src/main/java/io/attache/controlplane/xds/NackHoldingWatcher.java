package io.attache.controlplane.xds;

import io.envoyproxy.controlplane.cache.ConfigWatcher;
import io.envoyproxy.controlplane.cache.DeltaResponse;
import io.envoyproxy.controlplane.cache.DeltaWatch;
import io.envoyproxy.controlplane.cache.DeltaXdsRequest;
import io.envoyproxy.controlplane.cache.Response;
import io.envoyproxy.controlplane.cache.Watch;
import io.envoyproxy.controlplane.cache.XdsRequest;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Stands between the xDS server and the snapshot cache so that a state-of-the-world NACK is not
 * answered with the very version it refused. A NACK carries the last <em>accepted</em> version, so
 * the cache alone sees a client behind the snapshot and sends the refused version again at once —
 * an endless NACK loop between one proxy and the control plane. Here the NACK's watch is opened as
 * if the client held the refused version: the cache answers when the snapshot moves on, as Istio
 * does. A snapshot that already moved past the refused version is still sent at once. Delta
 * requests pass through unchanged (the cache does not resend on a delta NACK). Never drops a
 * request and never answers one itself.
 */
public final class NackHoldingWatcher implements ConfigWatcher {

  private final ConfigWatcher cache;
  private final ProxyStatusTracker sent;

  /** {@code sent} must see every request before the watcher does (it is a server callback). */
  public NackHoldingWatcher(ConfigWatcher cache, ProxyStatusTracker sent) {
    this.cache = cache;
    this.sent = sent;
  }

  @Override
  public Watch createWatch(
      boolean ads,
      XdsRequest request,
      Set<String> knownResourceNames,
      Consumer<Response> responseConsumer,
      boolean hasClusterChanged,
      boolean allowDefaultEmptyEdsUpdate) {
    return cache.createWatch(
        ads,
        asHoldingTheRefusedVersion(request),
        knownResourceNames,
        responseConsumer,
        hasClusterChanged,
        allowDefaultEmptyEdsUpdate);
  }

  XdsRequest asHoldingTheRefusedVersion(XdsRequest request) {
    if (!request.hasErrorDetail()) {
      return request;
    }
    return sent.versionSent(
            request.v3Request().getNode().getId(), request.getTypeUrl(), request.getResponseNonce())
        .map(
            refused ->
                XdsRequest.create(request.v3Request().toBuilder().setVersionInfo(refused).build()))
        .orElse(request);
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
