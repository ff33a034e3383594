package io.attache.dataplane.matcher;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.config.core.v3.CidrRange;
import io.netty.util.NetUtil;
import java.net.InetAddress;

/**
 * A compiled {@code config.core.v3.CidrRange}: an address prefix of one family. As in Envoy, an
 * IPv4 range never matches an IPv6 address and vice versa, and an absent {@code prefix_len} is 0
 * (the whole family). Used by RBAC and by filter chain matching. Immutable.
 */
public final class CidrMatch {
  private final byte[] prefix;
  private final int prefixLen;

  private CidrMatch(byte[] prefix, int prefixLen) {
    this.prefix = prefix;
    this.prefixLen = prefixLen;
  }

  public static CidrMatch compile(CidrRange proto, String fieldPath) throws ConfigException {
    byte[] address = NetUtil.createByteArrayFromIpAddressString(proto.getAddressPrefix());
    if (address == null) {
      throw new ConfigException(
          fieldPath + ".address_prefix",
          "'" + proto.getAddressPrefix() + "' is not an IPv4 or IPv6 address");
    }
    int bits = address.length * 8;
    long len = proto.hasPrefixLen() ? Integer.toUnsignedLong(proto.getPrefixLen().getValue()) : 0;
    if (len > bits) {
      throw new ConfigException(
          fieldPath + ".prefix_len",
          "must be at most " + bits + " for " + proto.getAddressPrefix());
    }
    return new CidrMatch(address, (int) len);
  }

  /** The number of leading bits that must match: the more, the more specific. */
  public int prefixLen() {
    return prefixLen;
  }

  public boolean contains(InetAddress address) {
    return contains(address.getAddress());
  }

  /** Whether the address in network byte order (4 or 16 bytes) is in this range. */
  public boolean contains(byte[] candidate) {
    if (candidate.length != prefix.length) {
      return false;
    }
    int full = prefixLen / 8;
    for (int i = 0; i < full; i++) {
      if (candidate[i] != prefix[i]) {
        return false;
      }
    }
    int rest = prefixLen % 8;
    if (rest == 0) {
      return true;
    }
    int mask = (0xFF << (8 - rest)) & 0xFF;
    return (candidate[full] & mask) == (prefix[full] & mask);
  }
}
