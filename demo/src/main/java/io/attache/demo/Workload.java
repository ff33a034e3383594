package io.attache.demo;

import java.nio.file.Path;

/**
 * One demo workload: an app and the Attaché proxy beside it, with the ports its bootstrap in {@code
 * deploy/examples/up/} declares. The app calls {@code outboundPort} on loopback; other proxies call
 * {@code inboundPort}; the proxy forwards that to {@code appPort}.
 *
 * @param name the node id's prefix and the app instance name ({@code payments-2})
 * @param service the mesh service it belongs to (the node cluster)
 * @param behaviour what the app does with a request
 */
public record Workload(
    String name,
    String service,
    Behaviour behaviour,
    int appPort,
    int adminPort,
    int outboundPort,
    int inboundPort) {

  /** What a demo app does. */
  public enum Behaviour {
    /** Calls the next service through its own proxy and wraps the answer. */
    CALLS_NEXT,
    /** Answers 200. */
    HEALTHY,
    /** Answers 503 to nine requests out of ten: an instance that is broken on purpose. */
    FLAKY
  }

  /**
   * The same workload with every port moved by {@code delta} ({@code ./attache up --port-base}).
   */
  public Workload shifted(int delta) {
    return new Workload(
        name,
        service,
        behaviour,
        appPort + delta,
        adminPort + delta,
        outboundPort + delta,
        inboundPort + delta);
  }

  /** The proxy's bootstrap, a stock Envoy v3 file. */
  public Path bootstrap(Path root) {
    return root.resolve("deploy/examples/up").resolve(name + ".yaml");
  }

  public String nodeId() {
    return name;
  }
}
