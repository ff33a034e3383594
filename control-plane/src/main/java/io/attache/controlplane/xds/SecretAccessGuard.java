package io.attache.controlplane.xds;

import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.server.DiscoveryServerCallbacks;
import io.envoyproxy.controlplane.server.exception.RequestException;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.grpc.Status;
import java.util.Optional;

/**
 * The first discovery callback: before anything is served or a certificate issued, checks that the
 * identity a node claims in its metadata is the one its stream proved (see {@link
 * XdsAuthenticator}), and that a stream asking for secrets proved one at all. Any other request
 * closes the stream with PERMISSION_DENIED — state-of-the-world or delta, wildcard or named — and
 * the refusal is logged with the node id, claimed identity and reason. Never sees key material.
 */
public final class SecretAccessGuard implements DiscoveryServerCallbacks {

  /** What the guard made of one request. */
  public enum Decision {
    ALLOWED,
    /** A stream with no proved identity may have config, but never secrets. */
    ALLOWED_WITHOUT_SECRETS,
    REFUSED_SECRETS_WITHOUT_IDENTITY,
    REFUSED_IDENTITY_MISMATCH
  }

  private final String trustDomain;
  private final RefusalLog refusals;

  public SecretAccessGuard(String trustDomain, RefusalLog refusals) {
    this.trustDomain = trustDomain;
    this.refusals = refusals;
  }

  @Override
  public void onV3StreamRequest(long streamId, DiscoveryRequest request) throws RequestException {
    enforce(streamId, request.getNode(), request.getTypeUrl());
  }

  @Override
  public void onV3StreamDeltaRequest(long streamId, DeltaDiscoveryRequest request)
      throws RequestException {
    enforce(streamId, request.getNode(), request.getTypeUrl());
  }

  public Decision decide(Node node, String typeUrl) {
    String proved = ProxyGroup.authenticatedIdentity(node);
    if (proved.isEmpty()) {
      return Resources.V3.SECRET_TYPE_URL.equals(typeUrl)
          ? Decision.REFUSED_SECRETS_WITHOUT_IDENTITY
          : Decision.ALLOWED_WITHOUT_SECRETS;
    }
    Optional<String> claimed = SpiffeId.claimedBy(node, trustDomain).map(SpiffeId::uri);
    return claimed.isPresent() && claimed.get().equals(proved)
        ? Decision.ALLOWED
        : Decision.REFUSED_IDENTITY_MISMATCH;
  }

  private void enforce(long streamId, Node node, String typeUrl) throws RequestException {
    Decision decision = decide(node, typeUrl);
    String reason =
        switch (decision) {
          case ALLOWED, ALLOWED_WITHOUT_SECRETS -> null;
          case REFUSED_SECRETS_WITHOUT_IDENTITY ->
              "asked for secrets without a client certificate or bootstrap token";
          case REFUSED_IDENTITY_MISMATCH ->
              "proved " + ProxyGroup.authenticatedIdentity(node) + ", not the identity it claims";
        };
    if (reason == null) {
      return;
    }
    String claimed =
        SpiffeId.claimedBy(node, trustDomain).map(SpiffeId::uri).orElse("no usable identity");
    refusals.refused(node.getId(), claimed, typeUrl, reason);
    throw new RequestException(
        Status.PERMISSION_DENIED.withDescription("node '" + node.getId() + "' " + reason));
  }
}
