package io.attache.dataplane.xds;

import com.google.protobuf.Any;
import java.util.List;

/**
 * A discovery response in a shape shared by both protocol variants. For state of the world every
 * resource carries the response's {@code version_info} and nothing is listed as removed; for delta
 * each resource carries its own version.
 */
record XdsResponse(
    String typeUrl,
    String versionInfo,
    String nonce,
    List<Resource> resources,
    List<String> removed,
    boolean stateOfTheWorld) {

  /** One resource as received, before parsing. */
  record Resource(Any any, String version) {}
}
