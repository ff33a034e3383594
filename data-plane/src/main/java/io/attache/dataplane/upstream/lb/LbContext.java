package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.upstream.host.Host;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * What the router tells a load balancer about one request: the request's hash (from the route's
 * hash policy; only RING_HASH uses it), which hosts it would rather avoid (e.g. hosts already tried
 * by a retry), and what an ORIGINAL_DST cluster picks its host from (the downstream connection's
 * original destination, a request header). Built once per attempt; the balancer never keeps it.
 *
 * @param hostSelectionRetryCount how many extra picks to make when a pick is a host to avoid; after
 *     that the last pick is used anyway (Envoy's {@code host_selection_retry_max_attempts})
 */
public record LbContext(
    OptionalLong hash, Predicate<Host> avoid, int hostSelectionRetryCount, Downstream downstream) {
  private static final Predicate<Host> AVOID_NONE = host -> false;

  /** No hash, nothing to avoid. */
  public static final LbContext NONE = new LbContext(OptionalLong.empty(), AVOID_NONE, 0);

  /** What the stream being balanced knows of its downstream connection and request. */
  public interface Downstream {
    /** The connection's local address when {@code original_dst} restored it, else empty. */
    Optional<InetSocketAddress> restoredLocalAddress();

    /** The first value of request header {@code name} (lower case); empty without a request. */
    Optional<String> requestHeader(String name);

    Downstream NONE =
        new Downstream() {
          @Override
          public Optional<InetSocketAddress> restoredLocalAddress() {
            return Optional.empty();
          }

          @Override
          public Optional<String> requestHeader(String name) {
            return Optional.empty();
          }
        };
  }

  public LbContext {
    if (hostSelectionRetryCount < 0) {
      throw new IllegalArgumentException("hostSelectionRetryCount must be >= 0");
    }
  }

  public LbContext(OptionalLong hash, Predicate<Host> avoid, int hostSelectionRetryCount) {
    this(hash, avoid, hostSelectionRetryCount, Downstream.NONE);
  }

  public static LbContext withHash(long hash) {
    return new LbContext(OptionalLong.of(hash), AVOID_NONE, 0);
  }

  /** This context for a stream whose downstream side is {@code downstream}. */
  public LbContext withDownstream(Downstream downstream) {
    return new LbContext(hash, avoid, hostSelectionRetryCount, downstream);
  }
}
