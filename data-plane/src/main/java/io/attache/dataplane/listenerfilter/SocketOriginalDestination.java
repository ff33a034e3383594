package io.attache.dataplane.listenerfilter;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import io.netty.channel.Channel;
import io.netty.channel.unix.UnixChannel;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Linux lookup behind {@code original_dst}: {@code getsockopt(fd, SOL_IP, SO_ORIGINAL_DST)}
 * (IPv4) or {@code getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST)} (IPv6) on an accepted socket,
 * which answers where the client connected before iptables REDIRECTed it. Needs Netty's native
 * epoll transport (for the socket's file descriptor) and libc through JNA; {@link #unavailable()}
 * says why not when either is missing. A socket that was not redirected (no conntrack entry)
 * answers empty, so the connection keeps its own local address, as in Envoy. One system call that
 * never blocks.
 */
public final class SocketOriginalDestination implements OriginalDestination {
  private static final Logger log = LoggerFactory.getLogger(SocketOriginalDestination.class);

  private static final int SOL_IP = 0;
  private static final int SOL_IPV6 = 41;
  // SO_ORIGINAL_DST (linux/netfilter_ipv4.h) and IP6T_SO_ORIGINAL_DST (netfilter_ipv6/ip6_tables.h)
  private static final int SO_ORIGINAL_DST = 80;
  private static final int AF_INET = 2;
  private static final int AF_INET6 = 10;
  private static final int SOCKADDR_IN_LENGTH = 16;
  private static final int SOCKADDR_IN6_LENGTH = 28;

  /** The one libc call this class makes. */
  interface LibC extends Library {
    int getsockopt(int fd, int level, int option, byte[] value, IntByReference length)
        throws LastErrorException;
  }

  private static final class Holder {
    static final LibC LIBC;
    static final String PROBLEM;

    static {
      LibC libc = null;
      String problem = null;
      if (!System.getProperty("os.name", "").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
        problem =
            "SO_ORIGINAL_DST exists only on Linux (this is " + System.getProperty("os.name") + ")";
      } else if (!io.netty.channel.epoll.Epoll.isAvailable()) {
        problem =
            "Netty's native epoll transport is unavailable ("
                + io.netty.channel.epoll.Epoll.unavailabilityCause()
                + "), so the accepted socket's descriptor cannot be read";
      } else {
        try {
          libc = Native.load("c", LibC.class);
        } catch (UnsatisfiedLinkError | RuntimeException e) {
          problem = "libc could not be loaded through JNA: " + e.getMessage();
        }
      }
      LIBC = libc;
      PROBLEM = problem;
    }
  }

  private static final SocketOriginalDestination INSTANCE = new SocketOriginalDestination();

  private SocketOriginalDestination() {}

  /**
   * The lookup, or empty with {@link #unavailable()} saying why (not Linux, no native transport, no
   * libc).
   */
  public static Optional<OriginalDestination> available() {
    return Holder.PROBLEM == null ? Optional.of(INSTANCE) : Optional.empty();
  }

  /**
   * The kernel's lookup where it can run, else the socket's local address, decided on the first
   * lookup: a listener that never asks (no {@code original_dst}, not transparent) never loads libc
   * through JNA, which on Linux forks {@code ldconfig -p} and keeps a JNA cleaner and a process
   * reaper thread for the rest of the process (≈ 60 classes and two threads in every proxy).
   */
  public static OriginalDestination whenFirstUsed() {
    return accepted ->
        available().orElse(OriginalDestination.SOCKET_LOCAL_ADDRESS).lookup(accepted);
  }

  /** Why the lookup cannot run here, or empty when it can. */
  public static Optional<String> unavailable() {
    return Optional.ofNullable(Holder.PROBLEM);
  }

  @Override
  public Optional<InetSocketAddress> lookup(Channel accepted) {
    if (!(accepted instanceof UnixChannel unix)
        || !(accepted.localAddress() instanceof InetSocketAddress local)) {
      return Optional.empty();
    }
    int fd = unix.fd().intValue();
    boolean ipv6 = local.getAddress() instanceof Inet6Address v6 && !isIpv4Mapped(v6.getAddress());
    byte[] value = new byte[ipv6 ? SOCKADDR_IN6_LENGTH : SOCKADDR_IN_LENGTH];
    IntByReference length = new IntByReference(value.length);
    try {
      Holder.LIBC.getsockopt(fd, ipv6 ? SOL_IPV6 : SOL_IP, SO_ORIGINAL_DST, value, length);
    } catch (LastErrorException e) {
      // ENOENT: no NAT entry — the connection came here directly.
      log.debug("{}: no original destination (errno {})", accepted, e.getErrorCode());
      return Optional.empty();
    }
    return parse(value, length.getValue());
  }

  /**
   * A {@code sockaddr_in} or {@code sockaddr_in6} as the kernel wrote it (family in host order).
   */
  static Optional<InetSocketAddress> parse(byte[] sockaddr, int length) {
    if (length < 4) {
      return Optional.empty();
    }
    int family =
        java.nio.ByteOrder.nativeOrder() == java.nio.ByteOrder.LITTLE_ENDIAN
            ? (sockaddr[0] & 0xff) | (sockaddr[1] & 0xff) << 8
            : (sockaddr[0] & 0xff) << 8 | (sockaddr[1] & 0xff);
    int port = (sockaddr[2] & 0xff) << 8 | (sockaddr[3] & 0xff); // network order
    try {
      if (family == AF_INET && length >= 8) {
        byte[] ip = java.util.Arrays.copyOfRange(sockaddr, 4, 8);
        return Optional.of(new InetSocketAddress(Inet4Address.getByAddress(ip), port));
      }
      if (family == AF_INET6 && length >= 24) {
        byte[] ip = java.util.Arrays.copyOfRange(sockaddr, 8, 24);
        return Optional.of(new InetSocketAddress(InetAddress.getByAddress(ip), port));
      }
    } catch (UnknownHostException impossible) {
      throw new IllegalStateException(impossible);
    }
    return Optional.empty();
  }

  private static boolean isIpv4Mapped(byte[] ip) {
    for (int i = 0; i < 10; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[10] == (byte) 0xff && ip[11] == (byte) 0xff;
  }
}
