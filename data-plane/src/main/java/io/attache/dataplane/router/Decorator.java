package io.attache.dataplane.router;

import java.util.Objects;

/**
 * A route's {@code decorator}: the name its requests' spans take ({@code operation}) and whether
 * the connection manager tells the other side ({@code propagate}, default true) through {@code
 * x-envoy-decorator-operation} — on the upstream request for egress, on the response for ingress.
 * Meaningful only where the connection manager traces.
 */
public record Decorator(String operation, boolean propagate) {
  public Decorator {
    Objects.requireNonNull(operation);
  }

  /** The route's decorator, or {@code null} when it has none or an empty operation. */
  static Decorator of(io.envoyproxy.envoy.config.route.v3.Route route) {
    if (!route.hasDecorator() || route.getDecorator().getOperation().isEmpty()) {
      return null;
    }
    return new Decorator(
        route.getDecorator().getOperation(),
        !route.getDecorator().hasPropagate() || route.getDecorator().getPropagate().getValue());
  }
}
