package io.attache.dataplane.tracing;

/**
 * The proxy's own identity as Envoy tags spans with it: the bootstrap {@code node.id} ({@code
 * node_id}) and {@code node.locality.zone} ({@code zone}). Immutable.
 */
public record LocalInfo(String nodeId, String zone) {
  public static final LocalInfo UNKNOWN = new LocalInfo("", "");
}
