package io.attache.controlplane.differential;

import static org.awaitility.Awaitility.await;

import io.attache.controlplane.interop.InteropControlPlane;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Runs every edge scenario against one data plane: a fresh control plane, every scenario's raw
 * clusters and the edge listener written through REST before the data plane starts, then each
 * scenario in turn, each deterministic one followed by the stats its traffic moved; last, the
 * access log, line by line per tagged request of a deterministic scenario ({@code
 * access-log/<scenario>}), and every line without a tag ({@code access-log}); last of all the shape
 * of {@code /clusters?format=json} and {@code /config_dump} ({@link AdminShape}). Returns
 * observations only; judging them is the {@link Differ}'s job.
 */
final class EdgeHarness {

  /** The tag of the last request, whose access-log line shows that every earlier line is out. */
  static final String SENTINEL = "diff/sentinel";

  /** How the observation of the stats a scenario moved is labelled. */
  static final String STATS = "stats moved by this scenario";

  /** The scenario name of access-log observations: {@code access-log/<scenario>} per request. */
  static final String ACCESS_LOG = "access-log";

  private EdgeHarness() {}

  /**
   * What one data plane observed, and the name of every stat it emits (a name it never emits is a
   * stat it does not implement, not a count that differs).
   */
  record Run(List<Observation> observations, Set<String> statNames) {}

  static Run run(List<EdgeScenario> scenarios, DataPlaneUnderTest.Starter starter, Path dataDir)
      throws Exception {
    Path accessLog = dataDir.resolve("edge-access.log");
    List<EdgeSetup> setups = new ArrayList<>();
    ExecutorService background = Executors.newCachedThreadPool();
    try (InteropControlPlane controlPlane = InteropControlPlane.start(dataDir.resolve("cp"))) {
      try {
        List<String> virtualHosts = new ArrayList<>();
        Map<Integer, String> roleByPort = new HashMap<>();
        for (EdgeScenario scenario : scenarios) {
          EdgeSetup setup = new EdgeSetup(controlPlane);
          setups.add(setup);
          scenario.define(setup);
          virtualHosts.addAll(setup.virtualHosts());
          setup.upstreams().forEach(u -> roleByPort.put(u.port(), u.role()));
        }
        int edgePort = MeshBootstrap.freePort();
        controlPlane.put(
            "/api/v1/raw/listeners/" + EdgeListener.NAME,
            EdgeListener.json(edgePort, accessLog, virtualHosts));
        MeshBootstrap bootstrap =
            MeshBootstrap.forControlPlane("edge-node", controlPlane.xdsPort());
        try (DataPlaneUnderTest dataPlane = starter.start(bootstrap)) {
          ClientRequest ready = ClientRequest.of("GET", EdgeListener.READY_HOST, "/");
          List<String> ignoredTags = new ArrayList<>();
          EdgeClient probe =
              new EdgeClient("ready", edgePort, new UpstreamLog(), background, ignoredTags);
          await()
              .atMost(Duration.ofSeconds(30))
              .ignoreExceptions()
              .until(() -> probe.exchange(ready).response().status() == 200);
          long started = System.nanoTime();
          List<Observation> observations = new ArrayList<>();
          List<String> tags = new ArrayList<>();
          for (int i = 0; i < scenarios.size(); i++) {
            EdgeScenario scenario = scenarios.get(i);
            EdgeSetup setup = setups.get(i);
            setup.reset();
            settled(dataPlane.adminPort(), edgePort);
            SortedMap<String, Long> before = AdminStats.read(dataPlane.adminPort(), edgePort);
            EdgeClient client =
                new EdgeClient(
                    scenario.name(),
                    edgePort,
                    setup.log(),
                    background,
                    scenario.deterministic() ? tags : ignoredTags);
            List<Observation> observed = scenario.run(client);
            observations.addAll(observed);
            setup.upstreams().forEach(RecordingUpstream::release);
            if (scenario.deterministic()) {
              SortedMap<String, Long> after = settled(dataPlane.adminPort(), edgePort);
              List<String> prefixes = new ArrayList<>();
              prefixes.add("http." + EdgeListener.STAT_PREFIX + ".");
              prefixes.add("listener.<edge>.");
              setup.clusters().forEach(c -> prefixes.add("cluster." + c + "."));
              prefixes.addAll(setup.statPrefixes());
              Observation.Builder stats = Observation.of(scenario.name(), observed.size(), STATS);
              AdminStats.moved(before, after, prefixes).forEach(stats::fact);
              observations.add(stats.build());
            }
          }
          observations.addAll(accessLogObservations(probe, accessLog, tags, roleByPort));
          Set<String> deterministicClusters = new HashSet<>();
          for (int i = 0; i < scenarios.size(); i++) {
            if (scenarios.get(i).deterministic()) {
              deterministicClusters.addAll(setups.get(i).clusters());
            }
          }
          observations.addAll(
              AdminShape.observe(dataPlane.adminPort(), roleByPort, deterministicClusters));
          System.out.printf(
              "%s: %d edge scenarios took %d ms after the data plane started%n",
              dataPlane.name(), scenarios.size(), (System.nanoTime() - started) / 1_000_000);
          return new Run(observations, AdminStats.read(dataPlane.adminPort(), edgePort).keySet());
        }
      } finally {
        setups.forEach(EdgeSetup::close);
        background.shutdownNow();
      }
    }
  }

  /**
   * Stats once the edge listener has no connection and no request left open: a connection the
   * client closed may be counted closed a little later by the data plane.
   */
  private static SortedMap<String, Long> settled(int adminPort, int edgePort) {
    String http = "http." + EdgeListener.STAT_PREFIX + ".";
    return await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> AdminStats.read(adminPort, edgePort),
            stats ->
                stats.getOrDefault(http + "downstream_cx_active", 0L) == 0
                    && stats.getOrDefault(http + "downstream_rq_active", 0L) == 0);
  }

  /**
   * One observation per tagged request, in the order sent: its access-log line's fields (or {@code
   * <no line>}); then one with every line that carries no tag. Waits for the sentinel's line, since
   * both data planes write the log in the background.
   */
  private static List<Observation> accessLogObservations(
      EdgeClient probe, Path accessLog, List<String> tags, Map<Integer, String> roleByPort)
      throws IOException {
    byte[] sentinel =
        RawExchange.ascii(
            "GET / HTTP/1.1\r\nHost: "
                + EdgeListener.READY_HOST
                + "\r\nuser-agent: "
                + SENTINEL
                + "\r\nconnection: close\r\n\r\n");
    probe.exchange(sentinel, false);
    List<String> lines =
        await()
            .atMost(Duration.ofSeconds(15))
            .ignoreExceptions()
            .until(
                () -> Files.readAllLines(accessLog, StandardCharsets.UTF_8),
                all -> all.stream().anyMatch(l -> l.contains("\"" + SENTINEL + "\"")));
    Map<String, List<String>> byTag = new LinkedHashMap<>();
    List<String> untagged = new ArrayList<>();
    for (String line : lines) {
      AccessLogLines.tag(line)
          .ifPresentOrElse(
              tag -> byTag.computeIfAbsent(tag, t -> new ArrayList<>()).add(line),
              () -> untagged.add(line));
    }
    List<Observation> out = new ArrayList<>();
    Map<String, Integer> indexByScenario = new HashMap<>();
    for (String tag : tags) {
      String scenario = ACCESS_LOG + "/" + tag.split("/")[1];
      Observation.Builder o =
          Observation.of(scenario, indexByScenario.merge(scenario, 1, Integer::sum) - 1, tag);
      List<String> tagged = byTag.getOrDefault(tag, List.of());
      o.fact("lines", Integer.toString(tagged.size()));
      if (!tagged.isEmpty()) {
        AccessLogLines.fields(tagged.get(0), roleByPort).forEach(o::fact);
      }
      out.add(o.build());
    }
    Observation.Builder rest = Observation.of(ACCESS_LOG, 0, "lines without a tag");
    for (int i = 0; i < untagged.size(); i++) {
      int n = i;
      AccessLogLines.fields(untagged.get(i), roleByPort)
          .forEach((field, value) -> rest.fact(n + "." + field, value));
    }
    out.add(rest.fact("lines", Integer.toString(untagged.size())).build());
    return out;
  }
}
