package io.attache.dataplane.upstream.lb;

import io.attache.dataplane.upstream.host.Host;

/**
 * One load-balancing policy applied to one fixed list of hosts (the healthy hosts of a priority,
 * say). Built when membership changes; picking must not block or allocate.
 */
interface HostPicker {
  HostPicker EMPTY = context -> null;

  /** The chosen host, or null when the list is empty. */
  Host pick(LbContext context);
}
