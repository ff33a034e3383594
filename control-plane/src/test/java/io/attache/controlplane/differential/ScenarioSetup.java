package io.attache.controlplane.differential;

import io.attache.controlplane.interop.InteropControlPlane;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What a scenario may use to set itself up: upstreams that record into the scenario's own log, and
 * the control plane's REST API (the only way policy is written). Owns the upstreams it started.
 */
final class ScenarioSetup implements AutoCloseable {

  private final InteropControlPlane controlPlane;
  private final UpstreamLog log = new UpstreamLog();
  private final List<RecordingUpstream> upstreams = new ArrayList<>();

  ScenarioSetup(InteropControlPlane controlPlane) {
    this.controlPlane = controlPlane;
  }

  UpstreamLog log() {
    return log;
  }

  RecordingUpstream upstream(String role) throws IOException {
    RecordingUpstream upstream = new RecordingUpstream(role, log);
    upstreams.add(upstream);
    return upstream;
  }

  void put(String path, String json) {
    controlPlane.put(path, json);
  }

  /** PUT an HTTP1 service on port 8080 whose endpoints are these upstreams, plus extra members. */
  void service(String name, String extra, RecordingUpstream... endpoints) {
    put(
        "/api/v1/services/" + name,
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": ["
            + Arrays.stream(endpoints)
                .map(u -> "{\"address\": \"127.0.0.1\", \"port\": " + u.port() + "}")
                .collect(Collectors.joining(", "))
            + "]"
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }

  /** Forgets what readiness probes left behind: empty log, every upstream answering 200. */
  void reset() {
    upstreams.forEach(u -> u.answer(200));
    log.clear();
  }

  @Override
  public void close() {
    upstreams.forEach(RecordingUpstream::close);
  }
}
