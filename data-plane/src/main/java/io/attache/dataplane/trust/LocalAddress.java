package io.attache.dataplane.trust;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Collections;
import java.util.List;

/**
 * The server's own address, as Envoy's {@code LocalInfo} holds it: the first IPv4 address of an
 * interface that is up and not loopback, else {@code 127.0.0.1}. Envoy records it in {@code
 * x-forwarded-for} where the downstream peer is a loopback address ({@code use_remote_address}) and
 * as the source of its own requests (a mirror's shadow). Found once per process; it never changes
 * afterwards, as Envoy's does not.
 */
public final class LocalAddress {
  private static final InetAddress DETECTED = detect();

  private LocalAddress() {}

  /** The address found at start-up. */
  public static InetAddress get() {
    return DETECTED;
  }

  private static InetAddress detect() {
    try {
      return firstUsable(Collections.list(NetworkInterface.getNetworkInterfaces()));
    } catch (SocketException | RuntimeException e) {
      return InetAddress.getLoopbackAddress();
    }
  }

  /** The first IPv4, non-loopback address of an interface that is up; loopback when none. */
  static InetAddress firstUsable(List<NetworkInterface> interfaces) throws SocketException {
    for (NetworkInterface nic : interfaces) {
      if (!nic.isUp() || nic.isLoopback()) {
        continue;
      }
      for (InetAddress address : Collections.list(nic.getInetAddresses())) {
        if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
          return address;
        }
      }
    }
    return InetAddress.getLoopbackAddress();
  }
}
