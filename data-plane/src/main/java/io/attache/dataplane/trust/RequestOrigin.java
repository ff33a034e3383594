package io.attache.dataplane.trust;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where the connection manager decided a request comes from (Envoy's {@code mutateRequestHeaders}):
 * the trusted client address — what RBAC's {@code remote_ip} and access logs call the downstream
 * remote address — and whether the request is internal (from a trusted address on the proxy's side
 * of the network) or an edge request (external, at the first proxy that sees it).
 *
 * @param client the trusted client address with its port; the downstream peer (with the PROXY
 *     protocol, the header's source) when nothing better is known, port 0 when it was read from
 *     {@code x-forwarded-for} (as Envoy's {@code getLastAddressFromXFF})
 * @param internal the proxy marked it {@code x-envoy-internal: true}
 * @param edge external and {@code use_remote_address} is set: this proxy is the ingress point
 */
public record RequestOrigin(InetSocketAddress client, boolean internal, boolean edge) {
  /** The trusted client's IP. */
  public InetAddress clientAddress() {
    return client.getAddress();
  }
}
