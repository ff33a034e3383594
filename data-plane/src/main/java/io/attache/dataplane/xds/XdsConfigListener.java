package io.attache.dataplane.xds;

/**
 * Where the ADS client hands over each new consistent, warm snapshot. Called on the client's
 * serialised context, one snapshot at a time: it must build and swap the proxy config and return,
 * and never block on the network. A snapshot it rejects is NACKed and the previous one stays.
 */
@FunctionalInterface
public interface XdsConfigListener {
  ApplyResult onUpdate(XdsSnapshot snapshot);
}
