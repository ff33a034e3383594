package io.attache.controlplane.policy;

import io.grpc.netty.shaded.io.netty.util.NetUtil;
import java.util.regex.Pattern;

/**
 * What an endpoint's address is, as a proxy will read it: an IP literal (what Envoy and the Attaché
 * proxy take in an EDS or STATIC cluster), a DNS host name (only a STRICT_DNS or LOGICAL_DNS
 * cluster can take it), or neither. IP literals are read with the Netty parser the Attaché proxy
 * uses, minus what Envoy's {@code inet_pton} refuses (brackets, zone ids, leading zeros), so
 * whatever this accepts both take. Pure.
 */
public enum EndpointAddress {
  IP,
  HOST_NAME,
  INVALID;

  /** RFC 1123 labels: letters, digits and inner hyphens, 1 to 63 characters each. */
  private static final Pattern LABEL =
      Pattern.compile("[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?");

  private static final Pattern LEADING_ZERO = Pattern.compile("(^|\\.)0[0-9]");

  public static EndpointAddress of(String address) {
    if (isIpLiteral(address)) {
      return IP;
    }
    return isHostName(address) ? HOST_NAME : INVALID;
  }

  private static boolean isIpLiteral(String address) {
    if (address.isEmpty() || address.contains("[") || address.contains("%")) {
      return false;
    }
    if (NetUtil.isValidIpV4Address(address)) {
      return !LEADING_ZERO.matcher(address).find();
    }
    return NetUtil.isValidIpV6Address(address)
        && NetUtil.createByteArrayFromIpAddressString(address) != null;
  }

  private static boolean isHostName(String address) {
    String name = address.endsWith(".") ? address.substring(0, address.length() - 1) : address;
    if (name.isEmpty() || name.length() > 253) {
      return false;
    }
    String[] labels = name.split("\\.", -1);
    for (String label : labels) {
      if (!LABEL.matcher(label).matches()) {
        return false;
      }
    }
    // An all-numeric last label is a mistyped IP address (10.0.0.256), never a real name.
    return !labels[labels.length - 1].chars().allMatch(Character::isDigit);
  }
}
