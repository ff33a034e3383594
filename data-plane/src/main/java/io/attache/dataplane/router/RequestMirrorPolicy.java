package io.attache.dataplane.router;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Objects;
import java.util.Optional;

/**
 * One compiled {@code RequestMirrorPolicy}: which cluster a copy of the request is shadowed to
 * ({@code cluster}, or the value of the {@code cluster_header} request header), for which share of
 * requests ({@code runtime_fraction}, resolved against the runtime when the route is compiled), and
 * how the shadow's authority is written. Immutable; it decides, it never sends anything.
 *
 * @param cluster the fixed shadow cluster, or empty when {@code clusterHeader} names it
 * @param clusterHeader the lower-cased request header naming the shadow cluster, or empty
 * @param numerator requests shadowed per {@code denominator} (all of them when not configured)
 * @param denominator 100, 10,000 or 1,000,000
 * @param disableShadowHostSuffixAppend {@code disable_shadow_host_suffix_append}: keep the host
 */
public record RequestMirrorPolicy(
    Optional<String> cluster,
    Optional<String> clusterHeader,
    long numerator,
    long denominator,
    boolean disableShadowHostSuffixAppend) {
  private static final String SHADOW_SUFFIX = "-shadow";

  public RequestMirrorPolicy {
    Objects.requireNonNull(cluster);
    Objects.requireNonNull(clusterHeader);
    if (cluster.isPresent() == clusterHeader.isPresent()) {
      throw new IllegalArgumentException("exactly one of cluster and clusterHeader");
    }
  }

  /**
   * Whether this request is shadowed: Envoy's {@code featureEnabled} on one random draw, the draw
   * reduced modulo the denominator.
   */
  public boolean admits(long randomValue) {
    return Long.remainderUnsigned(randomValue, denominator) < numerator;
  }

  /**
   * The shadow cluster for a request with {@code headers}: empty when {@code cluster_header} is
   * absent or empty on the request (Envoy then shadows nothing).
   */
  public Optional<String> clusterFor(HttpHeaders headers) {
    if (cluster.isPresent()) {
      return cluster;
    }
    String named = headers.get(clusterHeader.get());
    return named == null || named.isEmpty() ? Optional.empty() : Optional.of(named);
  }

  /**
   * The shadow's authority, as Envoy writes it: {@code -shadow} appended to the host, before its
   * port if it has one ({@code example.com:8080} becomes {@code example.com-shadow:8080}), unless
   * {@code disable_shadow_host_suffix_append}.
   */
  public String shadowAuthority(String authority) {
    if (disableShadowHostSuffixAppend || authority.isEmpty()) {
      return authority;
    }
    int portStart = portStart(authority);
    return portStart < 0
        ? authority + SHADOW_SUFFIX
        : authority.substring(0, portStart) + SHADOW_SUFFIX + authority.substring(portStart);
  }

  /** Where {@code :port} begins, or -1: after a bracketed IPv6 literal, or at the only colon. */
  private static int portStart(String authority) {
    int colon = authority.lastIndexOf(':');
    if (colon < 0) {
      return -1;
    }
    int bracket = authority.lastIndexOf(']');
    if (bracket >= 0) {
      return colon > bracket ? colon : -1;
    }
    return authority.indexOf(':') == colon ? colon : -1; // a bare IPv6 address has no port
  }
}
