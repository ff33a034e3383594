package io.attache.controlplane.differential;

import java.util.List;

/**
 * A differential scenario on the edge listener ({@link EdgeListener}): Envoy's own fields, written
 * as raw resources through REST, rather than the policy model. It defines its clusters and virtual
 * hosts, sends its requests (raw bytes where the bytes are the point) and returns what the client
 * and the upstreams observed. A fresh instance per data plane run; must never look inside a data
 * plane except through what a client of it sees (responses, the admin endpoint, the access log).
 */
interface EdgeScenario {

  String name();

  /** Starts upstreams, writes raw clusters and adds virtual hosts; runs before the data plane. */
  void define(EdgeSetup setup) throws Exception;

  /** Sends the scenario's requests; upstreams start from {@link EdgeSetup#reset()}. */
  List<Observation> run(EdgeClient client) throws Exception;

  /**
   * Whether every run sends the same requests and each reaches the same upstream, so the stats they
   * move and their access-log lines can be compared one by one. False for a scenario that polls
   * until something happens or whose host choice depends on ports or on where round robin starts;
   * its own observations summarise what is comparable.
   */
  default boolean deterministic() {
    return true;
  }
}
