package io.attache.dataplane.router;

/**
 * A route's {@code upgrade_configs} entry for {@code CONNECT} (Envoy's {@code
 * RouteEntry::connectConfig()}): the route terminates CONNECT itself — the router answers 200 and
 * carries the stream's bytes over a raw TCP connection to the route's cluster — instead of
 * forwarding the CONNECT upstream. Immutable; decides nothing about a request on its own.
 *
 * @param allowPost {@code connect_config.allow_post}: a POST on the route is terminated the same
 *     way (its body is the tunnel's upstream bytes)
 */
public record ConnectConfig(boolean allowPost) {
  /** Whether a request with {@code method} is terminated on a route with this config. */
  public boolean terminates(String method) {
    return "CONNECT".equals(method) || (allowPost && "POST".equals(method));
  }
}
