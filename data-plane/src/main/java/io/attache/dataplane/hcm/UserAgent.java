package io.attache.dataplane.hcm;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

/**
 * The HCM's {@code add_user_agent}, as Envoy's {@code ConnectionManagerUtility} applies it to every
 * request (internal or not) after the trust decision: {@code x-envoy-downstream-service-cluster}
 * set to the local service cluster ({@code node.cluster}, {@code --service-cluster}; empty when
 * none), {@code user-agent} to the same when the request has none or an empty one, and {@code
 * x-envoy-downstream-service-node} to the node id when it is not empty. Immutable; {@link #apply}
 * never blocks. Off (the default) it changes nothing.
 */
public final class UserAgent {
  /** {@code add_user_agent} unset or false. */
  public static final UserAgent OFF = new UserAgent(null, "");

  static final AsciiString DOWNSTREAM_SERVICE_CLUSTER =
      AsciiString.cached("x-envoy-downstream-service-cluster");
  static final AsciiString DOWNSTREAM_SERVICE_NODE =
      AsciiString.cached("x-envoy-downstream-service-node");

  private final String serviceCluster;
  private final String serviceNode;

  private UserAgent(String serviceCluster, String serviceNode) {
    this.serviceCluster = serviceCluster;
    this.serviceNode = serviceNode;
  }

  /** Reads {@code add_user_agent}; the node is the bootstrap's after the command-line overrides. */
  public static UserAgent from(HttpConnectionManager hcm, Node node) {
    if (!hcm.hasAddUserAgent() || !hcm.getAddUserAgent().getValue()) {
      return OFF;
    }
    return new UserAgent(node.getCluster(), node.getId());
  }

  /** Sets the headers on a request the connection manager has just sanitised. */
  public void apply(HttpHeaders headers) {
    if (serviceCluster == null) {
      return;
    }
    headers.set(DOWNSTREAM_SERVICE_CLUSTER, serviceCluster);
    String userAgent = headers.get(HttpHeaderNames.USER_AGENT);
    if (userAgent == null || userAgent.isEmpty()) {
      headers.set(HttpHeaderNames.USER_AGENT, serviceCluster);
    }
    if (!serviceNode.isEmpty()) {
      headers.set(DOWNSTREAM_SERVICE_NODE, serviceNode);
    }
  }
}
