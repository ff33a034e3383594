package io.attache.dataplane.upstream.host;

/**
 * Where a host runs ({@code config.core.v3.Locality}): region, zone and sub-zone. Used to group
 * hosts for locality-weighted balancing; never used to reach a host.
 */
public record Locality(String region, String zone, String subZone) {
  public static final Locality NONE = new Locality("", "", "");

  public static Locality from(io.envoyproxy.envoy.config.core.v3.Locality proto) {
    return new Locality(proto.getRegion(), proto.getZone(), proto.getSubZone());
  }
}
