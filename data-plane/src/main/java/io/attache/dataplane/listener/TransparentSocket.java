package io.attache.dataplane.listener;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.ptr.IntByReference;
import io.attache.dataplane.transport.Transports;
import java.util.Locale;
import java.util.Optional;

/**
 * Whether this process may open {@code transparent: true} listeners (Linux {@code IP_TRANSPARENT},
 * which TPROXY interception needs): it sets the option on a scratch socket through libc, once, and
 * remembers why not — not Linux, no native epoll transport (Netty sets the option on the real
 * socket), or no CAP_NET_ADMIN. Never changes a socket that serves traffic.
 */
public final class TransparentSocket {

  private static final int AF_INET = 2;
  private static final int SOCK_STREAM = 1;
  private static final int SOL_IP = 0;
  private static final int IP_TRANSPARENT = 19; // linux/in.h
  private static final int EPERM = 1;

  /** The libc calls the probe makes. */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    int setsockopt(int fd, int level, int option, IntByReference value, int length)
        throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  private static final class Probe {
    static final String PROBLEM = probe();
  }

  private TransparentSocket() {}

  /** Why {@code IP_TRANSPARENT} cannot be set here, or empty when it can. */
  public static Optional<String> unavailable() {
    return Optional.ofNullable(Probe.PROBLEM);
  }

  private static String probe() {
    if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
      return "IP_TRANSPARENT exists only on Linux (this is " + System.getProperty("os.name") + ")";
    }
    if (!Transports.nativeEpoll()) {
      return "Netty's native epoll transport is unavailable, and only it sets IP_TRANSPARENT";
    }
    LibC libc;
    try {
      libc = Native.load("c", LibC.class);
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return "libc could not be loaded through JNA: " + e.getMessage();
    }
    int fd;
    try {
      fd = libc.socket(AF_INET, SOCK_STREAM, 0);
    } catch (LastErrorException e) {
      return "cannot open a socket to try IP_TRANSPARENT on (errno " + e.getErrorCode() + ")";
    }
    try {
      libc.setsockopt(fd, SOL_IP, IP_TRANSPARENT, new IntByReference(1), 4);
      return null;
    } catch (LastErrorException e) {
      return e.getErrorCode() == EPERM
          ? "setsockopt(IP_TRANSPARENT) needs CAP_NET_ADMIN (or CAP_NET_RAW), which this process"
              + " does not have (EPERM); grant it, or capture with REDIRECT instead of TPROXY"
          : "setsockopt(IP_TRANSPARENT) failed (errno " + e.getErrorCode() + ")";
    } finally {
      try {
        libc.close(fd);
      } catch (LastErrorException ignored) {
        // a scratch socket: nothing to do about a failed close
      }
    }
  }
}
