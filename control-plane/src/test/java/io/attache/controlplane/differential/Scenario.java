package io.attache.controlplane.differential;

import java.util.List;

/**
 * One differential scenario: the policy it writes through REST and the upstreams it starts, a fixed
 * request sequence, and Envoy's documented behaviour for that sequence written down as observations
 * — so the Attaché half asserts something real even where no Envoy can run. A fresh instance per
 * data plane run; must never look inside a data plane, only at what the client and upstreams saw.
 */
interface Scenario {

  String name();

  /** Starts the upstreams and writes the policy; runs before the data plane starts. */
  void define(ScenarioSetup setup) throws Exception;

  /** A request whose answer is not 404 once the data plane has this scenario's routes. */
  ClientRequest readiness();

  /** Sends the fixed request sequence; upstreams start from {@link ScenarioSetup#reset()}. */
  List<Observation> run(ScenarioClient client);

  /** What stock Envoy does with this sequence under the same xDS. */
  List<Observation> expectedEnvoyBehaviour();
}
