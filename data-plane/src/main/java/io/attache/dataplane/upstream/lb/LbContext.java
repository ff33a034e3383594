package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.upstream.Host;
import java.util.OptionalLong;
import java.util.function.Predicate;

/**
 * What the router tells a load balancer about one request: the request's hash (from the route's
 * hash policy; only RING_HASH uses it) and which hosts it would rather avoid (e.g. hosts already
 * tried by a retry). Built once per request; the balancer never keeps it.
 *
 * @param hostSelectionRetryCount how many extra picks to make when a pick is a host to avoid; after
 *     that the last pick is used anyway (Envoy's {@code host_selection_retry_max_attempts})
 */
public record LbContext(OptionalLong hash, Predicate<Host> avoid, int hostSelectionRetryCount) {
  private static final Predicate<Host> AVOID_NONE = host -> false;

  /** No hash, nothing to avoid. */
  public static final LbContext NONE = new LbContext(OptionalLong.empty(), AVOID_NONE, 0);

  public LbContext {
    if (hostSelectionRetryCount < 0) {
      throw new IllegalArgumentException("hostSelectionRetryCount must be >= 0");
    }
  }

  public static LbContext withHash(long hash) {
    return new LbContext(OptionalLong.of(hash), AVOID_NONE, 0);
  }
}
