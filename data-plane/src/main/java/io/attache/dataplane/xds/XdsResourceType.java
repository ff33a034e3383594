package io.attache.dataplane.xds;

/**
 * The xDS resource types the ADS client speaks, in the order Envoy subscribes to them (clusters
 * before endpoints, listeners before routes, secrets last). Secrets are subscribed by name when a
 * cluster or listener names them in an SDS config.
 */
public enum XdsResourceType {
  CLUSTER("type.googleapis.com/envoy.config.cluster.v3.Cluster", Subscription.WILDCARD),
  ENDPOINT(
      "type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment", Subscription.NAMED),
  LISTENER("type.googleapis.com/envoy.config.listener.v3.Listener", Subscription.WILDCARD),
  ROUTE("type.googleapis.com/envoy.config.route.v3.RouteConfiguration", Subscription.NAMED),
  SECRET(
      "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.Secret", Subscription.NAMED);

  /** Whether the client asks for every resource of the type or for named ones. */
  public enum Subscription {
    WILDCARD,
    NAMED
  }

  private final String typeUrl;
  private final Subscription subscription;

  XdsResourceType(String typeUrl, Subscription subscription) {
    this.typeUrl = typeUrl;
    this.subscription = subscription;
  }

  public String typeUrl() {
    return typeUrl;
  }

  public Subscription subscription() {
    return subscription;
  }

  /** The type for a type URL, or null when the client does not know it. */
  public static XdsResourceType fromTypeUrl(String typeUrl) {
    for (XdsResourceType type : values()) {
      if (type.typeUrl.equals(typeUrl)) {
        return type;
      }
    }
    return null;
  }
}
