package io.attache.dataplane.trust;

import java.net.InetAddress;

/**
 * Where the connection manager decided a request comes from (Envoy's {@code mutateRequestHeaders}):
 * the trusted client address — what RBAC's {@code remote_ip} and access logs call the downstream
 * remote address — and whether the request is internal (from a trusted address on the proxy's side
 * of the network) or an edge request (external, at the first proxy that sees it).
 *
 * @param clientAddress the trusted client address; the socket peer when nothing better is known
 * @param internal the proxy marked it {@code x-envoy-internal: true}
 * @param edge external and {@code use_remote_address} is set: this proxy is the ingress point
 */
public record RequestOrigin(InetAddress clientAddress, boolean internal, boolean edge) {}
