package io.attache.controlplane.differential;

/**
 * A data plane the differential harness drives: started from a {@link MeshBootstrap}, fed by the
 * control plane over ADS, serving the outbound listener on 127.0.0.1. Two implementations: {@link
 * AttacheDataPlane} (in-process) and {@link StockEnvoyDataPlane} (a stock Envoy process). The
 * harness sees nothing else of it, so both are observed exactly alike.
 */
public interface DataPlaneUnderTest extends AutoCloseable {

  /** Short name used in reports: {@code attache}, {@code envoy}. */
  String name();

  int outboundPort();

  int adminPort();

  @Override
  void close();

  /** Starts a data plane of one kind; how, is the implementation's business. */
  @FunctionalInterface
  interface Starter {
    DataPlaneUnderTest start(MeshBootstrap bootstrap) throws Exception;
  }
}
