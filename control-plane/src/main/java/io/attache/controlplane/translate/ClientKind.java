package io.attache.controlplane.translate;

/** What kind of xDS client a node group holds; decides which listeners it gets. */
public enum ClientKind {
  /** Envoy or the Attaché proxy: gets the outbound listener on 0.0.0.0:15001. */
  PROXY,
  /** A proxyless gRPC client: gets one API listener per service, named after it. */
  PROXYLESS_GRPC
}
