package io.attache.controlplane.differential;

import java.util.List;

/**
 * Sends a scenario's requests to a data plane's outbound listener, one at a time, and pairs each
 * response with the upstream attempts it caused. Numbers the observations of its scenario.
 */
final class ScenarioClient {

  /** A response and the attempts behind it, for scenarios that summarise a sample. */
  record Exchange(ClientResponse response, List<UpstreamAttempt> attempts) {}

  private final String scenario;
  private final int port;
  private final UpstreamLog log;
  private int index;

  ScenarioClient(String scenario, int port, UpstreamLog log) {
    this.scenario = scenario;
    this.port = port;
    this.log = log;
  }

  Exchange exchange(ClientRequest request) {
    int mark = log.mark();
    ClientResponse response = RawHttpClient.send(port, request);
    return new Exchange(response, log.since(mark));
  }

  /** One request, observed in full. */
  Observation send(ClientRequest request) {
    Exchange exchange = exchange(request);
    Observation.Builder observation =
        next(request.label())
            .status(exchange.response().status())
            .body(exchange.response().body())
            .attempts(exchange.attempts());
    exchange.response().headers().forEach(observation::header);
    return observation.build();
  }

  /** An observation numbered next in this scenario, filled in by the caller. */
  Observation.Builder next(String request) {
    return Observation.of(scenario, index++, request);
  }
}
