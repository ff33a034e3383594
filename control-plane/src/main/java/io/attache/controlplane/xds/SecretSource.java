package io.attache.controlplane.xds;

import io.attache.controlplane.translate.ProxyGroup;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.List;

/**
 * The SDS secrets of a node group: those of the group's authenticated identity, none for a group
 * without one. Must never return another identity's secrets. {@link #NONE} serves no secrets at all
 * (a control plane without a CA).
 */
public interface SecretSource {

  SecretSource NONE = group -> List.of();

  List<Secret> secretsFor(ProxyGroup group);
}
