package io.attache.controlplane.differential;

import io.attache.controlplane.interop.InteropControlPlane;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What an {@link EdgeScenario} sets itself up with: upstreams recording into its own log, raw
 * clusters (written through REST at once) and the virtual hosts it adds to the edge listener's
 * route configuration (written with the listener, after every scenario defined its own). Owns the
 * upstreams it started.
 */
final class EdgeSetup implements AutoCloseable {

  private final InteropControlPlane controlPlane;
  private final UpstreamLog log = new UpstreamLog();
  private final List<RecordingUpstream> upstreams = new ArrayList<>();
  private final List<String> clusters = new ArrayList<>();
  private final List<String> virtualHosts = new ArrayList<>();
  private final List<String> statPrefixes = new ArrayList<>();

  EdgeSetup(InteropControlPlane controlPlane) {
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

  /**
   * A raw STATIC cluster of these upstreams; {@code extra} holds more Cluster fields as JSON
   * members (circuit breakers, outlier detection, lb policy), or is empty.
   */
  void cluster(String name, String extra, RecordingUpstream... endpoints) {
    clusters.add(name);
    controlPlane.put(
        "/api/v1/raw/clusters/" + name,
        "{\"name\": \""
            + name
            + "\", \"type\": \"STATIC\", \"connect_timeout\": \"1s\","
            + " \"load_assignment\": {\"cluster_name\": \""
            + name
            + "\", \"endpoints\": [{\"lb_endpoints\": ["
            + Arrays.stream(endpoints)
                .map(
                    u ->
                        "{\"endpoint\": {\"address\": {\"socket_address\":"
                            + " {\"address\": \"127.0.0.1\", \"port_value\": "
                            + u.port()
                            + "}}}}")
                .collect(Collectors.joining(", "))
            + "]}]}"
            + (extra.isEmpty() ? "" : ", " + extra)
            + "}");
  }

  /** A virtual host of the edge listener's route configuration, as Envoy JSON. */
  void virtualHost(String json) {
    virtualHosts.add(json);
  }

  /** Stats under this prefix (a filter's own {@code stat_prefix}) are compared too. */
  void compareStats(String prefix) {
    statPrefixes.add(prefix);
  }

  List<String> statPrefixes() {
    return List.copyOf(statPrefixes);
  }

  List<String> clusters() {
    return List.copyOf(clusters);
  }

  List<String> virtualHosts() {
    return List.copyOf(virtualHosts);
  }

  List<RecordingUpstream> upstreams() {
    return List.copyOf(upstreams);
  }

  /** Forgets what readiness left behind: empty log, every upstream answering 200, none held. */
  void reset() {
    upstreams.forEach(
        u -> {
          u.release();
          u.answer(200);
        });
    log.clear();
  }

  @Override
  public void close() {
    upstreams.forEach(RecordingUpstream::close);
  }
}
