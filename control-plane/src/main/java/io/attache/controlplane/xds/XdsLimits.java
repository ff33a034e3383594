package io.attache.controlplane.xds;

/**
 * What one xDS stream may ask the control plane to hold. {@code maxNodeMetadataBytes}: the largest
 * node metadata (its protobuf-serialised size) a stream may send; a stream sending more is refused
 * with RESOURCE_EXHAUSTED before anything of it is kept. The node is held for as long as the stream
 * is open and shown in {@code /api/v1/proxies}, so without a cap each stream could pin up to a
 * whole gRPC message (4 MiB) of it.
 */
public record XdsLimits(int maxNodeMetadataBytes) {

  /**
   * 64 KiB: room for the labels, annotations and platform data sidecars send beside the few keys
   * Attaché reads, and far below the 4 MiB a gRPC message may carry.
   */
  public static final int DEFAULT_MAX_NODE_METADATA_BYTES = 64 * 1024;

  public static final XdsLimits DEFAULT = new XdsLimits(DEFAULT_MAX_NODE_METADATA_BYTES);

  public XdsLimits {
    if (maxNodeMetadataBytes < 0) {
      throw new IllegalArgumentException(
          "max node metadata bytes must not be negative: " + maxNodeMetadataBytes);
    }
  }
}
