package io.attache.dataplane.trust;

import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.matcher.CidrMatch;
import io.envoyproxy.envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * HCM {@code internal_address_config}: which trusted client addresses make a request internal.
 * Without it no address is internal — Envoy's behaviour since 1.36 (it used to trust RFC 1918
 * addresses, which let any client on a private network pass for internal). Only IP addresses reach
 * the proxy here, so {@code unix_sockets} never applies. Immutable.
 */
public final class InternalAddressConfig {
  /** No address is internal. */
  public static final InternalAddressConfig NONE = new InternalAddressConfig(List.of());

  private final List<CidrMatch> ranges;

  private InternalAddressConfig(List<CidrMatch> ranges) {
    this.ranges = ranges;
  }

  /** Parses the HCM's {@code internal_address_config}; {@code path} names it in errors. */
  public static InternalAddressConfig from(HttpConnectionManager hcm, String path)
      throws ConfigException {
    if (!hcm.hasInternalAddressConfig()) {
      return NONE;
    }
    var proto = hcm.getInternalAddressConfig();
    List<CidrMatch> ranges = new ArrayList<>();
    for (int i = 0; i < proto.getCidrRangesCount(); i++) {
      ranges.add(
          CidrMatch.compile(
              proto.getCidrRanges(i), path + ".internal_address_config.cidr_ranges[" + i + "]"));
    }
    return new InternalAddressConfig(List.copyOf(ranges));
  }

  public boolean isInternal(InetAddress address) {
    for (CidrMatch range : ranges) {
      if (range.contains(address)) {
        return true;
      }
    }
    return false;
  }
}
