package io.attache.dataplane.listenerfilter;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.ProxyProtocolConfig.Version;
import io.envoyproxy.envoy.extensions.filters.listener.proxy_protocol.v3.ProxyProtocol;

/**
 * One {@code envoy.filters.listener.proxy_protocol} config: which versions it accepts, whether a
 * connection may come without a header, and its {@code stat_prefix}. Immutable. TLV rules and
 * pass-through TLVs are refused by path, never accepted and dropped.
 */
record ProxyProtocolConfig(
    boolean v1Allowed, boolean v2Allowed, boolean allowWithout, String statPrefix) {

  static ProxyProtocolConfig from(ProxyProtocol proto, String path) throws ConfigException {
    if (proto.getRulesCount() > 0) {
      throw new ConfigException(
          path + ".rules",
          "TLVs as dynamic metadata are not supported: Attaché keeps no connection-level dynamic"
              + " metadata");
    }
    if (proto.hasPassThroughTlvs()) {
      throw new ConfigException(
          path + ".pass_through_tlvs",
          "is not supported: Attaché has no upstream PROXY protocol transport socket to pass"
              + " TLVs on to");
    }
    boolean v1 = true;
    boolean v2 = true;
    for (int i = 0; i < proto.getDisallowedVersionsCount(); i++) {
      Version version = proto.getDisallowedVersions(i);
      switch (version) {
        case V1 -> v1 = false;
        case V2 -> v2 = false;
        default ->
            throw new ConfigException(path + ".disallowed_versions[" + i + "]", "must be V1 or V2");
      }
    }
    return new ProxyProtocolConfig(
        v1, v2, proto.getAllowRequestsWithoutProxyProtocol(), proto.getStatPrefix());
  }
}
