package io.attache.controlplane.translate;

/** What kind of xDS client a node group holds; decides which listeners and filters it gets. */
public enum ClientKind {
  /**
   * A stock Envoy (or any proxy that is not Attaché's): gets the outbound listener on 0.0.0.0:15001
   * and only Envoy's own filters.
   */
  PROXY,
  /**
   * The Attaché proxy (node.user_agent_name "attache"): the same listeners, plus Attaché-only
   * filters such as the identity-token minter, which a stock Envoy would refuse as unknown.
   */
  ATTACHE_PROXY,
  /** A proxyless gRPC client: gets one API listener per service, named after it. */
  PROXYLESS_GRPC;

  /** True for sidecar proxies (Envoy or Attaché), which get listeners, not API listeners. */
  public boolean isProxy() {
    return this != PROXYLESS_GRPC;
  }
}
