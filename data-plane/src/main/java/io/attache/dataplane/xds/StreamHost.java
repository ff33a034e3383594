package io.attache.dataplane.xds;

import io.grpc.Status;
import java.util.Map;
import java.util.Set;

/**
 * What an ADS stream asks of its owner: the subscriptions to (re)send and where to deliver what it
 * hears. Every method is called on the owner's serialised context.
 */
interface StreamHost {
  /** The types to subscribe on a new stream, in Envoy's order. */
  Iterable<XdsResourceType> subscribedTypes();

  /** Names for a named type; empty for a wildcard type. */
  Set<String> names(XdsResourceType type);

  /** The last ACKed {@code version_info} of the type; empty before the first ACK. */
  String ackedVersion(XdsResourceType type);

  /**
   * Name to version of the resources held for the type (delta {@code initial_resource_versions}).
   */
  Map<String, String> resourceVersions(XdsResourceType type);

  void onStreamReady(AdsStream stream);

  void onResponse(AdsStream stream, XdsResponse response);

  void onStreamClosed(AdsStream stream, Status status);
}
