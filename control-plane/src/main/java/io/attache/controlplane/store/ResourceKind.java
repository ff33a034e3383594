package io.attache.controlplane.store;

import com.google.protobuf.Message;
import io.attache.api.policy.v1.Authorization;
import io.attache.api.policy.v1.MeshDefaults;
import io.attache.api.policy.v1.Route;
import io.attache.api.policy.v1.Service;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.endpoint.v3.ClusterLoadAssignment;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.config.route.v3.RouteConfiguration;
import java.util.Arrays;
import java.util.Optional;

/** Everything the store holds, with the message type each body parses as. */
public enum ResourceKind {
  SERVICE(Service.getDefaultInstance()),
  ROUTE(Route.getDefaultInstance()),
  DEFAULTS(MeshDefaults.getDefaultInstance()),
  AUTHORIZATION(Authorization.getDefaultInstance()),
  RAW_CLUSTER(Cluster.getDefaultInstance()),
  RAW_ENDPOINT(ClusterLoadAssignment.getDefaultInstance()),
  RAW_ROUTE(RouteConfiguration.getDefaultInstance()),
  RAW_LISTENER(Listener.getDefaultInstance());

  /** The single DEFAULTS entry is stored under this name. */
  public static final String MESH_DEFAULTS_NAME = "mesh";

  private final Message prototype;

  ResourceKind(Message prototype) {
    this.prototype = prototype;
  }

  public Message prototype() {
    return prototype;
  }

  public static Optional<ResourceKind> byName(String name) {
    return Arrays.stream(values()).filter(k -> k.name().equals(name)).findFirst();
  }
}
