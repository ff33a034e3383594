package io.attache.dataplane.xds;

import java.time.Duration;

/**
 * A resource another resource needs before it may serve: a listener's RDS route configuration, an
 * EDS cluster's ClusterLoadAssignment. The dependent resource warms until this arrives or its
 * {@code initial_fetch_timeout} passes.
 *
 * @param initialFetchTimeout from the referencing config source; {@link Duration#ZERO} waits
 *     forever
 * @param statPrefix where the subscription's stats live, with a trailing dot (e.g. {@code
 *     http.ingress.rds.local_route.} or {@code cluster.backend.})
 */
public record Dependency(
    XdsResourceType type, String name, Duration initialFetchTimeout, String statPrefix) {

  /** The subscription this dependency needs, independent of who needs it. */
  public Key key() {
    return new Key(type, name);
  }

  /** A named subscription of one type. */
  public record Key(XdsResourceType type, String name) {}
}
