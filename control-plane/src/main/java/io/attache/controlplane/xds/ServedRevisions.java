package io.attache.controlplane.xds;

import io.attache.controlplane.translate.ProxyGroup;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which store revision a version sent to a node group was built from. Versions are content hashes
 * (an unchanged type keeps its version, and is not re-sent, across revisions), so a version maps to
 * the newest revision whose snapshot produced it. Implemented by the snapshot publisher, read by
 * the proxy status tracker; must answer without blocking a gRPC thread for long.
 */
public interface ServedRevisions {

  /** The snapshot a group is served now, and how long ago it was set. */
  record Served(
      long revision, io.envoyproxy.controlplane.cache.v3.Snapshot snapshot, Duration age) {
    /** The version this snapshot gives a client that asked for {@code names} of {@code typeUrl}. */
    public String version(String typeUrl, List<String> names) {
      return snapshot.version(typeUrl, names);
    }
  }

  Optional<Served> current(ProxyGroup group);

  /** The newest recent revision whose snapshot gave {@code version} for these names. */
  OptionalLong revisionOf(ProxyGroup group, String typeUrl, List<String> names, String version);

  /** Knows no revisions: every verdict is computed from sent and ACKed versions alone. */
  ServedRevisions NONE =
      new ServedRevisions() {
        @Override
        public Optional<Served> current(ProxyGroup group) {
          return Optional.empty();
        }

        @Override
        public OptionalLong revisionOf(
            ProxyGroup group, String typeUrl, List<String> names, String version) {
          return OptionalLong.empty();
        }
      };
}
