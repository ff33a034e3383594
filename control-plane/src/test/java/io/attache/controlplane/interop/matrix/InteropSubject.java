package io.attache.controlplane.interop.matrix;

import java.util.Map;

/**
 * What a test class that records matrix cells says about the client it drives. Read by {@link
 * InteropResults} after each test.
 */
public interface InteropSubject {

  InteropColumn column();

  /** The client's version as the client itself reported it, e.g. {@code grpc-go v1.85.0}. */
  String clientVersion();

  /**
   * Features the client does not implement, each with its citation (a gRFC or the client's own
   * documentation). Their scenarios still run and must fail; one that passes is a wrong claim.
   */
  default Map<InteropFeature, String> unsupported() {
    return Map.of();
  }
}
