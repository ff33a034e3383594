package io.attache.controlplane.interop.matrix;

/**
 * A row of the interop matrix: one behaviour a client must show when the control plane configures
 * it. An IT adds a row by adding a constant here and annotating the test that observes it with
 * {@link Verifies}. The order here is the order of the rows in {@code docs/interop.md}.
 */
public enum InteropFeature {
  XDS_RESOLUTION(
      "xds-resolution",
      "LDS → RDS → CDS → EDS from a REST-defined service, every type ACKed",
      "gRFC A27"),
  HEADER_MATCHING(
      "header-matching",
      "routes by exact path and by header; no match falls through to the default route",
      "gRFC A28"),
  WEIGHTED_CLUSTERS(
      "weighted-clusters", "weighted clusters 80/20 over 1000 calls, ±5 points", "gRFC A28"),
  FAULT_INJECTION(
      "fault-injection",
      "fault abort 25 % (HTTP 503 → UNAVAILABLE) over 400 calls, ±10 points; aborted calls never"
          + " reach the upstream",
      "gRFC A33"),
  RING_HASH(
      "ring-hash",
      "ring hash on a request header: every key sticks to one backend, keys spread",
      "gRFC A42"),
  ENDPOINT_REMOVAL(
      "endpoint-removal",
      "an endpoint removed through REST: traffic moves to the rest, no call fails",
      "gRFC A27"),
  NACK_KEEPS_LAST_GOOD(
      "nack",
      "a cluster the client cannot honour is NACKed, the NACK is shown in /api/v1/proxies, calls"
          + " go on with the last good config",
      "xDS protocol: ACK/NACK"),
  RETRY_UNAVAILABLE(
      "retry-unavailable",
      "retry_on: unavailable, num_retries 3 → 4 attempts; the mesh default (HTTP conditions only)"
          + " → 1 attempt",
      "gRFC A44"),
  BREAKER_TICKS(
      "breaker-ticks",
      "the mesh breaker's outlier detection (interval 0.1 s through REST): every call succeeds for"
          + " 1 s of detector ticks, the client stays up",
      "gRFC A50"),
  ROUND_ROBIN(
      "round-robin", "round robin takes three endpoints in turn (20 calls each of 60)", "gRFC A27"),
  CIRCUIT_BREAKING(
      "circuit-breaking",
      "circuit breaking max_requests: calls beyond the limit fail with UNAVAILABLE",
      "gRFC A32"),
  OUTLIER_DETECTION(
      "outlier-detection",
      "outlier detection by failure percentage ejects the failing endpoint",
      "gRFC A50");

  private final String id;
  private final String title;
  private final String reference;

  InteropFeature(String id, String title, String reference) {
    this.id = id;
    this.title = title;
    this.reference = reference;
  }

  /** The key in {@code docs/interop-matrix.json}. */
  public String id() {
    return id;
  }

  public String title() {
    return title;
  }

  /** Where the behaviour is specified for gRPC clients (a gRFC) or for the protocol. */
  public String reference() {
    return reference;
  }

  static InteropFeature byId(String id) {
    for (InteropFeature feature : values()) {
      if (feature.id.equals(id)) {
        return feature;
      }
    }
    throw new IllegalArgumentException("no interop feature " + id);
  }
}
