package io.attache.dataplane.testing;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What one differential test starts: pairs of proxies on one bootstrap, a single proxy (Attaché or
 * a stock Envoy) seen as a {@link ProxyPair.Side}, and the servers they reach, all closed in
 * reverse order at the end. It starts and closes; it never compares.
 */
public final class DifferentialRun implements AutoCloseable {
  private final Envoy envoy;
  private final String name;
  private final Path dir;
  private final List<AutoCloseable> started = new ArrayList<>();

  /** Envoy's runs are named {@code name-N} and write under {@code dir}. */
  public DifferentialRun(Envoy envoy, String name, Path dir) {
    this.envoy = envoy;
    this.name = name;
    this.dir = dir;
  }

  /** Starts {@code bootstrapYaml} in Attaché and in Envoy: Attaché, then Envoy. */
  public List<ProxyPair.Side> both(String bootstrapYaml) throws Exception {
    return closing(ProxyPair.start(envoy, nextName(), bootstrapYaml, dir)).both();
  }

  /** Starts {@code bootstrapYaml} in Attaché alone. */
  public ProxyPair.Side attache(String bootstrapYaml) throws Exception {
    return ProxyPair.side(closing(ProxyHarness.start(bootstrapYaml)));
  }

  /** Starts {@code bootstrapYaml} in a stock Envoy alone. */
  public ProxyPair.Side envoy(String bootstrapYaml) throws Exception {
    String run = nextName();
    RunningEnvoy running = envoy.start(run, bootstrapYaml, dir.resolve("envoy-" + run));
    started.add(running::close);
    return ProxyPair.side(running, envoy.describe());
  }

  /** Starts {@code bootstrapYaml} in {@code which}: {@code "attache"} or {@code "envoy"}. */
  public ProxyPair.Side start(String which, String bootstrapYaml) throws Exception {
    return switch (which) {
      case "attache" -> attache(bootstrapYaml);
      case "envoy" -> envoy(bootstrapYaml);
      default -> throw new IllegalArgumentException("attache or envoy, not " + which);
    };
  }

  /** {@code resource}, closed with the run. */
  public <T extends AutoCloseable> T closing(T resource) {
    started.add(resource);
    return resource;
  }

  private String nextName() {
    return name + "-" + started.size();
  }

  @Override
  public void close() throws Exception {
    Exception first = null;
    for (int i = started.size() - 1; i >= 0; i--) {
      try {
        started.get(i).close();
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    started.clear();
    if (first != null) {
      throw first;
    }
  }
}
