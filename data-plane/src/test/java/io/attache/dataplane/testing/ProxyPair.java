package io.attache.dataplane.testing;

import static org.awaitility.Awaitility.await;

import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.RunningEnvoy;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One bootstrap run by Attaché and by a stock Envoy, for a differential test: both proxies seen the
 * same way (a listener's port, a stat, the stats under a prefix that moved), so the test sends the
 * same traffic to each and compares what it observed. The bootstrap should bind port 0 for its
 * listeners and admin. It never hides a difference: it only reads, the test compares.
 */
public final class ProxyPair implements AutoCloseable {
  private static final Duration LISTENER_WAIT = Duration.ofSeconds(30);

  /** One proxy under test, Attaché or Envoy. */
  public interface Side {
    /** For assertion messages: {@code Attaché} or Envoy's {@link Envoy#describe()}. */
    String name();

    /** The port the named listener is bound to (the kernel's choice). */
    int port(String listener) throws Exception;

    /** The admin endpoint's port (the kernel's choice), for a test that drives the admin API. */
    int adminPort();

    /** A counter or gauge by its exact Envoy name; 0 when the proxy has none by that name. */
    long stat(String name) throws Exception;

    /**
     * Every counter and gauge whose name starts with {@code prefix} and whose value is not 0, by
     * name. Envoy creates a filter's counters at 0 when it loads the filter while Attaché may
     * create them on first use, so the stats that moved are what the two must agree on.
     */
    SortedMap<String, Long> statsThatMoved(String prefix) throws Exception;
  }

  private final Side attache;
  private final Side envoy;
  private final ProxyHarness attacheProxy;
  private final RunningEnvoy envoyProcess;

  private ProxyPair(ProxyHarness attacheProxy, RunningEnvoy envoyProcess, String envoyName) {
    this.attacheProxy = attacheProxy;
    this.envoyProcess = envoyProcess;
    this.attache = new AttacheSide(attacheProxy);
    this.envoy = new EnvoySide(envoyProcess, envoyName);
  }

  /**
   * Starts Attaché and {@code envoy} on the same {@code bootstrapYaml}; Envoy's output goes under
   * {@code workDir}. The caller closes the pair (both proxies stop).
   */
  public static ProxyPair start(Envoy envoy, String name, String bootstrapYaml, Path workDir)
      throws Exception {
    ProxyHarness attache = ProxyHarness.start(bootstrapYaml);
    try {
      RunningEnvoy running = envoy.start(name, bootstrapYaml, workDir.resolve("envoy-" + name));
      return new ProxyPair(attache, running, envoy.describe());
    } catch (Exception | Error e) {
      attache.close();
      throw e;
    }
  }

  public Side attache() {
    return attache;
  }

  public Side envoy() {
    return envoy;
  }

  /** Attaché, then Envoy. */
  public List<Side> both() {
    return List.of(attache, envoy);
  }

  @Override
  public void close() {
    try {
      envoyProcess.close();
    } finally {
      attacheProxy.close();
    }
  }

  /**
   * {@code bootstrapYaml} (as {@link ProxyHarness#bootstrap} writes it) with its HTTP filter list,
   * the router alone, replaced by {@code httpFiltersYaml}: a {@code http_filters:} key and its
   * list, unindented.
   */
  public static String withHttpFilters(String bootstrapYaml, String httpFiltersYaml) {
    String routerOnly =
        """
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
        """;
    if (!bootstrapYaml.contains(routerOnly)) {
      throw new IllegalArgumentException("no router-only http_filters in the bootstrap");
    }
    return bootstrapYaml.replace(routerOnly, httpFiltersYaml.stripIndent().indent(10));
  }

  /**
   * The port a running Envoy's listener is bound to, read from {@code /listeners} once the listener
   * is up (a bootstrap binding port 0 leaves the choice to the kernel).
   */
  public static int listenerPort(RunningEnvoy running, String listener) {
    Pattern p =
        Pattern.compile(
            "\"name\":\\s*\"" + Pattern.quote(listener) + "\".*?\"port_value\":\\s*(\\d+)",
            Pattern.DOTALL);
    int[] port = {0};
    await()
        .atMost(LISTENER_WAIT)
        .until(
            () -> {
              Matcher m = p.matcher(running.admin("/listeners?format=json"));
              if (m.find()) {
                port[0] = Integer.parseInt(m.group(1));
              }
              return port[0] > 0;
            });
    return port[0];
  }

  private record AttacheSide(ProxyHarness proxy) implements Side {
    @Override
    public String name() {
      return "Attaché";
    }

    @Override
    public int port(String listener) {
      var address = proxy.server().listenerAddresses().get(listener);
      if (address == null) {
        throw new IllegalArgumentException("Attaché has no listener " + listener);
      }
      return address.getPort();
    }

    @Override
    public int adminPort() {
      return proxy.server().adminAddress().getPort();
    }

    @Override
    public long stat(String name) {
      return proxy.stat(name);
    }

    @Override
    public SortedMap<String, Long> statsThatMoved(String prefix) {
      SortedMap<String, Long> moved = new TreeMap<>();
      proxy
          .server()
          .stats()
          .counters()
          .forEach((name, c) -> putIfMoved(moved, prefix, name, c.value()));
      proxy
          .server()
          .stats()
          .gauges()
          .forEach((name, g) -> putIfMoved(moved, prefix, name, g.value()));
      return moved;
    }
  }

  private record EnvoySide(RunningEnvoy running, String name) implements Side {
    @Override
    public int port(String listener) {
      return listenerPort(running, listener);
    }

    @Override
    public int adminPort() {
      return running.adminPort();
    }

    @Override
    public long stat(String name) throws Exception {
      return running.stat(name);
    }

    @Override
    public SortedMap<String, Long> statsThatMoved(String prefix) throws Exception {
      String filter = "^" + Pattern.quote(prefix);
      String body =
          running.admin("/stats?filter=" + URLEncoder.encode(filter, StandardCharsets.UTF_8));
      SortedMap<String, Long> moved = new TreeMap<>();
      for (String line : body.strip().split("\n")) {
        int colon = line.indexOf(": ");
        // Histograms print "P0(...)" summaries, not a number: counters and gauges only.
        if (colon > 0 && line.substring(colon + 2).strip().matches("-?\\d+")) {
          putIfMoved(
              moved,
              prefix,
              line.substring(0, colon),
              Long.parseLong(line.substring(colon + 2).strip()));
        }
      }
      return moved;
    }
  }

  private static void putIfMoved(
      SortedMap<String, Long> into, String prefix, String name, long value) {
    if (name.startsWith(prefix) && value != 0) {
      into.put(name, value);
    }
  }
}
