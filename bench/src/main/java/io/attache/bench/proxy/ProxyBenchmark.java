package io.attache.bench.proxy;

import io.attache.bench.profile.AsyncProfiler;
import io.attache.bench.profile.CollapsedStacks;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache bench proxy}: starts an NGINX upstream and, in front of it, NGINX, HAProxy, the
 * stock Envoy and one or more Attaché proxies (each with one worker; Envoy and Attaché on the very
 * same bootstrap), then measures every shape against every target in alternating rounds and prints
 * one table of medians and ratios. Loopback only; every load run has a fixed duration and every
 * process it starts is killed on exit or Ctrl-C.
 */
@Command(
    name = "attache bench proxy",
    mixinStandardHelpOptions = true,
    description = "Proxy overhead: direct vs NGINX vs HAProxy vs Envoy vs Attaché, in one run.")
public final class ProxyBenchmark implements Callable<Integer> {
  /** The harness's only wall clock: run timing and the date stamped on the results. */
  private final java.time.Clock clock;

  public ProxyBenchmark() {
    this(java.time.Clock.systemUTC());
  }

  ProxyBenchmark(java.time.Clock clock) {
    this.clock = clock;
  }

  /**
   * The flags the launcher runs the sidecar with: {@code ./attache bench} passes its own {@code
   * PROXY_JAVA_OPTS} as this system property, so the default contestant is the shipped one.
   */
  public static final String DEFAULT_ATTACHE_JVM_FLAGS =
      System.getProperty("attache.proxyJavaOpts", "").trim();

  @Option(names = "--rounds", description = "rounds per cell; the table shows medians (default 3)")
  int rounds = 3;

  @Option(names = "--duration-s", description = "seconds per load run (default 5)")
  int durationSeconds = 5;

  @Option(names = "--warmup-s", description = "seconds of warm-up load per target (default 10)")
  int warmupSeconds = 10;

  @Option(names = "--connections", description = "throughput connections (default 32)")
  int connections = 32;

  @Option(names = "--wrk-threads", description = "wrk threads for throughput runs (default 1)")
  int wrkThreads = 1;

  @Option(names = "--h2-clients", description = "h2load clients (default 4)")
  int h2Clients = 4;

  @Option(names = "--h2-streams", description = "h2load concurrent streams per client (default 8)")
  int h2Streams = 8;

  @Option(
      names = "--fixed-rate-connections",
      description = "paced connections in the fixed-rate run (default 10)")
  int fixedRateConnections = 10;

  @Option(
      names = "--fixed-rate-delay-ms",
      description = "pause per connection between requests in the fixed-rate run (default 10)")
  int fixedRateDelayMillis = 10;

  @Option(names = "--clusters", description = "clusters configured in every proxy (default 100)")
  int clusters = 100;

  @Option(names = "--base-port", description = "first loopback port used (default 18080)")
  int basePort = 18080;

  @Option(names = "--attache-jar", description = "the proxy jar")
  Path attacheJar = Path.of("data-plane/target/attache-proxy.jar");

  @Option(
      names = "--attache",
      description =
          "an Attaché contestant as label=JVM flags, optionally led by a java binary's path"
              + " (label=/path/to/bin/java flags) to compare JDKs, optionally with -jar <path> to"
              + " run another build of the proxy; repeat to compare in the same run. The first is the one the ratios are computed for. Default:"
              + " attache=<launcher default flags>")
  List<String> attacheVariants = new ArrayList<>();

  @Option(names = "--no-nginx", description = "leave NGINX proxy out")
  boolean noNginx;

  @Option(names = "--no-haproxy", description = "leave HAProxy out")
  boolean noHaproxy;

  @Option(
      names = "--start-timeout-s",
      description =
          "how long Attaché and Envoy may take to report LIVE on /ready (default 60; a JVM on a"
              + " machine loaded far beyond its cores can need more)")
  int startTimeoutSeconds = 60;

  @Option(names = "--no-envoy", description = "leave Envoy out")
  boolean noEnvoy;

  @Option(
      names = "--envoy",
      description =
          "the Envoy binary (default: the pinned stock Envoy interop/envoy/install.sh installs)")
  Path envoyBinary;

  @Option(
      names = "--doc",
      description =
          "the Markdown file whose proxy-bench section gets the report (default ${DEFAULT-VALUE})")
  Path doc = Path.of("docs/benchmarks.md");

  @Option(names = "--no-doc", description = "print the report only")
  boolean noDoc;

  @Option(
      names = "--profile-s",
      description =
          "instead of the comparison: profile the first Attaché contestant under the 1 KB"
              + " throughput load for this many seconds (CPU, then allocations) and print its"
              + " hot spots")
  int profileSeconds;

  @Option(
      names = "--profiler",
      description =
          "async (async-profiler: CPU including kernel and native frames, flame graphs; the"
              + " default where its agent exists for this system) or jfr")
  String profiler = "async";

  private final List<ProcessHandle> started = new CopyOnWriteArrayList<>();
  private Path workDir;

  /** Process start → admin {@code /ready} LIVE, per contestant that has an Envoy admin endpoint. */
  private final Map<String, Double> startupMillis = new LinkedHashMap<>();

  private Path installedEnvoy;

  /** One column of the table: where to send HTTP/1.1 and h2c, and which process pays for it. */
  record Target(String name, int h1Port, int h2Port, ProcessHandle process, String flags) {}

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProxyBenchmark()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    Thread cleanup = new Thread(this::stopAll, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    workDir = Files.createTempDirectory("attache-bench-");
    try {
      return profileSeconds > 0 ? profile() : compare();
    } finally {
      stopAll();
      Runtime.getRuntime().removeShutdownHook(cleanup);
    }
  }

  private int compare() throws Exception {
    BenchConfigs.Ports ports = new BenchConfigs.Ports(basePort);
    List<Target> targets = startAll(ports);
    String primary =
        targets.stream().filter(t -> t.flags() != null).findFirst().orElseThrow().name();
    String loadBefore = loadAverage();
    Instant startedAt = clock.instant();
    for (Target target : targets) {
      warmUp(target);
    }
    Results results = new Results(targets.stream().map(Target::name).toList(), primary, rounds);
    startupMillis.forEach((name, millis) -> results.record(Metric.STARTUP, name, 0, millis));
    for (int round = 0; round < rounds; round++) {
      List<Target> order = new ArrayList<>(targets);
      Collections.rotate(order, -round);
      log(
          "round "
              + (round + 1)
              + "/"
              + rounds
              + " order "
              + order.stream().map(Target::name).toList());
      for (Target t : order) {
        recordThroughput(results, Metric.RPS_1K, t, round, "/1k");
      }
      for (Target t : order) {
        recordThroughput(results, Metric.RPS_64K, t, round, "/64k");
      }
      for (Target t : order) {
        WrkResult r = wrk(t.h1Port(), "/1k", 1, 1, durationSeconds, 0);
        if (r.cleanWithin(0.001)) {
          results.record(Metric.P50_ADDED, t.name(), round, r.p50Micros());
          results.record(Metric.P90_ADDED, t.name(), round, r.p90Micros());
          results.record(Metric.P99_ADDED, t.name(), round, r.p99Micros());
        } else {
          log(
              "  latency "
                  + t.name()
                  + ": errors "
                  + r.errors()
                  + " of "
                  + r.requests()
                  + ", dropped");
        }
      }
      for (Target t : order) {
        H2loadResult r = h2load(t.h2Port(), durationSeconds);
        if (r.cleanWithin(0.001)) {
          results.record(Metric.RPS_H2, t.name(), round, r.requestsPerSecond());
        } else {
          log("  h2 " + t.name() + ": " + r.failed() + " failed, dropped");
        }
        log(String.format(Locale.ROOT, "  h2 %s %.0f req/s", t.name(), r.requestsPerSecond()));
      }
      for (Target t : order) {
        recordFixedRate(results, t, round);
      }
    }
    String loadAfter = loadAverage();
    Duration took = Duration.between(startedAt, clock.instant());
    String report = report(targets, results, loadBefore, loadAfter, took);
    System.out.println();
    System.out.println(report);
    if (!noDoc) {
      String existing = Files.exists(doc) ? Files.readString(doc) : "# Benchmarks\n";
      Files.writeString(doc, DocSection.replace(existing, "proxy-bench", report));
      log("wrote " + doc);
    }
    return 0;
  }

  private void recordThroughput(Results results, Metric metric, Target t, int round, String path) {
    WrkResult r = wrk(t.h1Port(), path, wrkThreads, connections, durationSeconds, 0);
    if (r.cleanWithin(0.001)) {
      results.record(metric, t.name(), round, r.requestsPerSecond());
    } else {
      log(
          "  "
              + metric
              + " "
              + t.name()
              + ": errors "
              + r.errors()
              + " of "
              + r.requests()
              + ", dropped");
    }
    log(String.format(Locale.ROOT, "  %s %s %.0f req/s", path, t.name(), r.requestsPerSecond()));
  }

  private void recordFixedRate(Results results, Target t, int round) {
    double cpuBefore = ProcStats.cpuSeconds(t.process());
    WrkResult r =
        wrk(t.h1Port(), "/1k", 1, fixedRateConnections, durationSeconds, fixedRateDelayMillis);
    double cpu = ProcStats.cpuSeconds(t.process()) - cpuBefore;
    long rss = ProcStats.rssBytes(t.process());
    long pss = ProcStats.pssBytes(t.process());
    if (r.cleanWithin(0.001)) {
      results.record(Metric.FIXED_RATE, t.name(), round, r.requestsPerSecond());
      results.record(Metric.CPU_PER_1000, t.name(), round, cpu / (r.requests() / 1000.0));
      results.record(Metric.FIXED_RATE_P50, t.name(), round, r.p50Micros());
      results.record(Metric.FIXED_RATE_P99, t.name(), round, r.p99Micros());
      results.record(Metric.FIXED_RATE_P999, t.name(), round, r.p999Micros());
    }
    results.record(Metric.RSS, t.name(), round, rss / (1024.0 * 1024.0));
    results.record(Metric.PSS, t.name(), round, pss / (1024.0 * 1024.0));
    log(
        String.format(
            Locale.ROOT,
            "  fixed-rate %s %.0f req/s, cpu %.2f s, rss %.1f MB, pss %.1f MB",
            t.name(),
            r.requestsPerSecond(),
            cpu,
            rss / 1048576.0,
            pss / 1048576.0));
  }

  // ---- processes -------------------------------------------------------------------------------

  private List<Target> startAll(BenchConfigs.Ports ports) throws IOException {
    boolean root = "root".equals(System.getProperty("user.name"));
    Path www = Files.createDirectories(workDir.resolve("www"));
    Files.write(www.resolve("1k"), body(1024));
    Files.write(www.resolve("64k"), body(64 * 1024));
    Map<String, String> variants = variants();
    checkPortsFree(ports, variants.size());

    List<Target> targets = new ArrayList<>();
    ProcessHandle upstream =
        startNginx("upstream", BenchConfigs.upstreamNginx(workDir, ports, root));
    awaitPort(ports.upstreamH1(), upstream);
    awaitPort(ports.upstreamH2(), upstream);
    targets.add(new Target(Results.DIRECT, ports.upstreamH1(), ports.upstreamH2(), upstream, null));
    if (!noNginx && profileSeconds == 0) {
      ProcessHandle nginx =
          startNginx("nginx-proxy", BenchConfigs.nginxProxy(workDir, ports, clusters, root));
      awaitPort(ports.nginxH1(), nginx);
      targets.add(new Target(Results.NGINX, ports.nginxH1(), ports.nginxH2(), nginx, null));
    }
    if (!noHaproxy && profileSeconds == 0) {
      Path config = workDir.resolve("haproxy.cfg");
      Files.writeString(config, BenchConfigs.haproxy(ports, clusters));
      ProcessHandle haproxy = start("haproxy", List.of("haproxy", "-db", "-f", config.toString()));
      awaitPort(ports.haproxyH1(), haproxy);
      targets.add(new Target(Results.HAPROXY, ports.haproxyH1(), ports.haproxyH2(), haproxy, null));
    }
    if (!noEnvoy && profileSeconds == 0) {
      Path bootstrap = workDir.resolve("envoy.yaml");
      Files.writeString(
          bootstrap,
          BenchConfigs.proxyBootstrap(ports, ports.envoy(), ports.envoyAdmin(), clusters));
      long startedAt = System.nanoTime();
      ProcessHandle envoy =
          start(
              Results.ENVOY,
              List.of(
                  envoy().toString(),
                  "-c",
                  bootstrap.toString(),
                  "--concurrency",
                  "1",
                  "--use-dynamic-base-id",
                  "--log-level",
                  "warn"));
      startupMillis.put(Results.ENVOY, awaitLive(ports.envoyAdmin(), envoy, startedAt));
      targets.add(new Target(Results.ENVOY, ports.envoy(), ports.envoy(), envoy, null));
    }
    int variant = 0;
    for (Map.Entry<String, String> v : variants.entrySet()) {
      Path bootstrap = workDir.resolve("attache-" + variant + ".yaml");
      Files.writeString(
          bootstrap,
          BenchConfigs.proxyBootstrap(
              ports, ports.attache(variant), ports.attacheAdmin(variant), clusters));
      JvmCommand jvm = JvmCommand.of(v.getValue(), javaBinary());
      String jar = jvm.jar().orElse(attacheJar.toString());
      if (!Files.isRegularFile(Path.of(jar))) {
        throw new IllegalArgumentException("contestant " + v.getKey() + ": no jar at " + jar);
      }
      List<String> command = jvm.command();
      if (profileSeconds > 0 && profiler.equals("jfr")) {
        command.add(
            "-XX:StartFlightRecording=settings=profile,delay=%ds,duration=%ds,filename=%s"
                .formatted(warmupSeconds, profileSeconds, workDir.resolve("attache.jfr")));
      }
      command.addAll(List.of("-jar", jar, "-c", bootstrap.toString(), "--concurrency", "1"));
      long startedAt = System.nanoTime();
      ProcessHandle attache = start(v.getKey(), command);
      startupMillis.put(v.getKey(), awaitLive(ports.attacheAdmin(variant), attache, startedAt));
      awaitPort(ports.attache(variant), attache);
      targets.add(
          new Target(
              v.getKey(), ports.attache(variant), ports.attache(variant), attache, v.getValue()));
      variant++;
    }
    for (Target t : targets) {
      checkServes(t);
    }
    return targets;
  }

  private Map<String, String> variants() {
    Map<String, String> variants = new LinkedHashMap<>();
    if (attacheVariants.isEmpty()) {
      variants.put("attache", DEFAULT_ATTACHE_JVM_FLAGS);
    }
    for (String spec : attacheVariants) {
      int eq = spec.indexOf('=');
      if (eq <= 0) {
        throw new CommandLine.ParameterException(
            new CommandLine(this), "--attache takes label=flags, got " + spec);
      }
      variants.put(spec.substring(0, eq), spec.substring(eq + 1).trim());
    }
    return variants;
  }

  private ProcessHandle startNginx(String name, String config) throws IOException {
    Path file = workDir.resolve(name + ".conf");
    Files.writeString(file, config);
    return start(
        name,
        List.of(
            "nginx",
            "-p",
            workDir + "/",
            "-e",
            workDir.resolve(name + "-error.log").toString(),
            "-c",
            file.toString()));
  }

  private ProcessHandle start(String name, List<String> command) throws IOException {
    log("start " + name + ": " + String.join(" ", command));
    Process process =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(workDir.resolve(name + ".log").toFile())
            .start();
    started.add(process.toHandle());
    return process.toHandle();
  }

  private void stopAll() {
    for (ProcessHandle p : started) {
      Commands.kill(p);
    }
    started.clear();
  }

  private void checkPortsFree(BenchConfigs.Ports ports, int variants) {
    List<Integer> all =
        new ArrayList<>(
            List.of(
                ports.upstreamH1(),
                ports.upstreamH2(),
                ports.nginxH1(),
                ports.nginxH2(),
                ports.haproxyH1(),
                ports.haproxyH2(),
                ports.envoy(),
                ports.envoyAdmin()));
    for (int v = 0; v < variants; v++) {
      all.add(ports.attache(v));
      all.add(ports.attacheAdmin(v));
    }
    for (int port : all) {
      if (accepts(port)) {
        throw new IllegalStateException(
            "port " + port + " is already in use; pick another --base-port");
      }
    }
  }

  private void awaitPort(int port, ProcessHandle process) {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "process for port " + port + " exited; see the logs in " + workDir);
      }
      if (accepts(port)) {
        return;
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(
        "nothing listens on " + port + " after 30 s; logs in " + workDir);
  }

  /**
   * Waits (≤ {@code --start-timeout-s}) until the admin endpoint on {@code adminPort} answers
   * {@code /ready} with 200 LIVE, as Envoy's does once its listeners are up, and returns the
   * milliseconds since {@code startedNanos}. Polled every 5 ms, so the figure is that much coarse.
   */
  private double awaitLive(int adminPort, ProcessHandle process, long startedNanos) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
    HttpRequest ready =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + adminPort + "/ready"))
            .timeout(Duration.ofSeconds(2))
            .build();
    long deadline = startedNanos + Duration.ofSeconds(startTimeoutSeconds).toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(
            "process for admin port " + adminPort + " exited; see the logs in " + workDir);
      }
      try {
        HttpResponse<String> response = client.send(ready, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 200 && response.body().strip().equals("LIVE")) {
          return (System.nanoTime() - startedNanos) / 1e6;
        }
      } catch (IOException e) {
        // not listening yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      try {
        Thread.sleep(5);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    throw new IllegalStateException(
        "admin port "
            + adminPort
            + " not LIVE after "
            + startTimeoutSeconds
            + " s (--start-timeout-s); logs in "
            + workDir);
  }

  /** {@code --envoy}, else the pinned stock Envoy, installed by the script the tests use. */
  private Path envoy() {
    if (envoyBinary != null) {
      return envoyBinary;
    }
    if (installedEnvoy != null) {
      return installedEnvoy;
    }
    String out =
        Commands.run(
            workDir,
            List.of(Path.of("interop/envoy/install.sh").toAbsolutePath().toString()),
            Duration.ofMinutes(10));
    List<String> lines = out.strip().lines().toList();
    Path binary = Path.of(lines.get(lines.size() - 1).strip());
    if (!Files.isExecutable(binary)) {
      throw new IllegalStateException("interop/envoy/install.sh did not give a binary: " + out);
    }
    installedEnvoy = binary;
    return binary;
  }

  private static boolean accepts(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Fails the run early, with the target's name, when a contestant does not serve the files. */
  private void checkServes(Target target) {
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    for (String path : List.of("/1k", "/64k")) {
      try {
        HttpResponse<byte[]> response =
            client.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + target.h1Port() + path))
                    .version(HttpClient.Version.HTTP_1_1)
                    .timeout(Duration.ofSeconds(5))
                    .build(),
                HttpResponse.BodyHandlers.ofByteArray());
        int expected = path.equals("/1k") ? 1024 : 65536;
        if (response.statusCode() != 200 || response.body().length != expected) {
          throw new IllegalStateException(
              target.name()
                  + " answered "
                  + path
                  + " with "
                  + response.statusCode()
                  + " and "
                  + response.body().length
                  + " bytes; logs in "
                  + workDir);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(target.name() + " does not serve " + path, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private static byte[] body(int size) {
    byte[] bytes = new byte[size];
    for (int i = 0; i < size; i++) {
      bytes[i] = (byte) ('a' + i % 26);
    }
    return bytes;
  }

  // ---- load generators -------------------------------------------------------------------------

  private WrkResult wrk(int port, String path, int threads, int conns, int seconds, int delayMs) {
    Path script = workDir.resolve("wrk-" + delayMs + ".lua");
    try {
      if (!Files.exists(script)) {
        Files.writeString(script, WrkResult.luaScript(delayMs));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String out =
        Commands.run(
            workDir,
            List.of(
                "wrk",
                "-t",
                Integer.toString(threads),
                "-c",
                Integer.toString(conns),
                "-d",
                seconds + "s",
                "--timeout",
                "5s",
                "-s",
                script.toString(),
                "http://127.0.0.1:" + port + path),
            Duration.ofSeconds(seconds + 30L));
    return WrkResult.parse(out);
  }

  private H2loadResult h2load(int port, int seconds) {
    String out =
        Commands.run(
            workDir,
            List.of(
                "h2load",
                "-t",
                "1",
                "-c",
                Integer.toString(h2Clients),
                "-m",
                Integer.toString(h2Streams),
                "-D",
                Integer.toString(seconds),
                "http://127.0.0.1:" + port + "/1k"),
            Duration.ofSeconds(seconds + 30L));
    return H2loadResult.parse(out);
  }

  /**
   * Every shape once, then — for a JVM — more of the same until its JIT compilers have (nearly)
   * stopped: less than {@link #JIT_SETTLED_MILLIS} of compile time over a slice, or {@link
   * #JIT_SETTLE_CAP} in all. HAProxy and NGINX need no warm-up but get the same first pass.
   */
  private void warmUp(Target target) {
    log("warm-up " + target.name());
    wrk(target.h1Port(), "/1k", wrkThreads, connections, warmupSeconds, 0);
    wrk(target.h1Port(), "/64k", wrkThreads, connections, Math.max(1, warmupSeconds / 2), 0);
    wrk(target.h1Port(), "/1k", 1, 1, Math.max(1, warmupSeconds / 2), 0);
    h2load(target.h2Port(), Math.max(1, warmupSeconds / 2));
    if (target.flags() == null) {
      return;
    }
    long pid = target.process().pid();
    OptionalLong before = JitActivity.compileMillis(workDir, pid);
    long deadline = System.nanoTime() + JIT_SETTLE_CAP.toNanos();
    while (before.isPresent() && System.nanoTime() < deadline) {
      wrk(target.h1Port(), "/1k", wrkThreads, connections, 3, 0);
      wrk(target.h1Port(), "/1k", 1, 1, 1, 0);
      h2load(target.h2Port(), 1);
      OptionalLong after = JitActivity.compileMillis(workDir, pid);
      if (after.isEmpty()) {
        break;
      }
      long compiled = after.getAsLong() - before.getAsLong();
      log(target.name() + ": JIT compiled for " + compiled + " ms during the last warm-up slice");
      if (compiled < JIT_SETTLED_MILLIS) {
        break;
      }
      before = after;
    }
  }

  private static final long JIT_SETTLED_MILLIS = 100;
  private static final Duration JIT_SETTLE_CAP = Duration.ofSeconds(60);

  // ---- profile mode ----------------------------------------------------------------------------

  /** The proxy's stages, ordered as a request flows; on one stack the deepest marked frame wins. */
  static final List<CollapsedStacks.Stage> PROFILE_STAGES =
      java.util.stream.Stream.concat(
              CollapsedStacks.KERNEL_STAGES.stream(),
              java.util.stream.Stream.of(
                  new CollapsedStacks.Stage("JIT compiler", "CompileBroker"),
                  new CollapsedStacks.Stage("GC", "GenCollectedHeap"),
                  new CollapsedStacks.Stage("GC", "SerialHeap"),
                  new CollapsedStacks.Stage(
                      "HTTP/1 request guard (byte scan)", "RequestSmugglingGuard"),
                  new CollapsedStacks.Stage("HTTP/1 request decode (Netty)", "HttpObjectDecoder"),
                  new CollapsedStacks.Stage("HTTP/1 message encode (Netty)", "HttpObjectEncoder"),
                  new CollapsedStacks.Stage("HTTP/2 codec (Netty)", "handler/codec/http2"),
                  new CollapsedStacks.Stage("exchange sequencer", "Http1ExchangeSequencer"),
                  new CollapsedStacks.Stage("connection handler", "Http1ConnectionHandler"),
                  new CollapsedStacks.Stage("routing", "RouteTable"),
                  new CollapsedStacks.Stage("filter chain (ActiveStream)", "proxy/ActiveStream"),
                  new CollapsedStacks.Stage("filter chain (ActiveStream)", "proxy/FilterManager"),
                  new CollapsedStacks.Stage("router filter", "filter/router/"),
                  new CollapsedStacks.Stage("upstream pool", "HostPool"),
                  new CollapsedStacks.Stage("buffer allocation", "ByteBufAllocator"),
                  new CollapsedStacks.Stage("leak detector sampling", "ResourceLeakDetector"),
                  new CollapsedStacks.Stage("timers", "ScheduledFutureTask"),
                  new CollapsedStacks.Stage("flush / socket write (Java side)", "flush0")))
          .toList();

  static final String UNMARKED_STAGE = "other (Netty event loop, JDK)";

  private int profile() throws Exception {
    if (!profiler.equals("jfr")) {
      Optional<AsyncProfiler> async = AsyncProfiler.extract(workDir);
      if (async.isPresent()) {
        return profileWithAsyncProfiler(async.get());
      }
      log("async-profiler has no agent for this system; profiling with JFR");
      profiler = "jfr";
    }
    List<Target> targets = startAll(new BenchConfigs.Ports(basePort));
    Target attache = targets.stream().filter(t -> t.flags() != null).findFirst().orElseThrow();
    log(
        "profiling "
            + attache.name()
            + ": "
            + warmupSeconds
            + " s warm-up, then JFR for "
            + profileSeconds
            + " s under 1 KB throughput load");
    WrkResult warm = wrk(attache.h1Port(), "/1k", wrkThreads, connections, warmupSeconds, 0);
    WrkResult r = wrk(attache.h1Port(), "/1k", wrkThreads, connections, profileSeconds + 2, 0);
    log(
        String.format(
            Locale.ROOT,
            "warm-up %.0f req/s; profiled run %.0f req/s",
            warm.requestsPerSecond(),
            r.requestsPerSecond()));
    Path recording = workDir.resolve("attache.jfr");
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!(Files.exists(recording) && Files.size(recording) > 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
    }
    Thread.sleep(1000); // the recording is written when its duration ends; let the dump finish
    Path kept = Path.of("bench/target/attache-profile.jfr");
    Files.createDirectories(kept.getParent());
    Files.copy(recording, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    System.out.println(HotSpots.summarize(kept, 25));
    log("recording kept in " + kept + " (jfr print --events jdk.ExecutionSample " + kept + ")");
    return 0;
  }

  private int profileWithAsyncProfiler(AsyncProfiler async) throws Exception {
    List<Target> targets = startAll(new BenchConfigs.Ports(basePort));
    Target attache = targets.stream().filter(t -> t.flags() != null).findFirst().orElseThrow();
    long pid = attache.process().pid();
    log(
        "profiling %s with async-profiler: %d s warm-up, then %d s of CPU and %d s of allocation"
                .formatted(attache.name(), warmupSeconds, profileSeconds, profileSeconds)
            + " samples under 1 KB throughput load");
    warmUp(attache);
    WrkResult warm = wrk(attache.h1Port(), "/1k", wrkThreads, connections, 3, 0);
    Path kept = Path.of("bench/target");
    Files.createDirectories(kept);
    StringBuilder report = new StringBuilder();
    for (String event : List.of("cpu", "alloc")) {
      Path collapsed = kept.resolve("attache-" + event + ".collapsed");
      Path flameGraph = kept.resolve("attache-" + event + ".html");
      async.start(pid, event);
      WrkResult r = wrk(attache.h1Port(), "/1k", wrkThreads, connections, profileSeconds, 0);
      async.stop(pid, collapsed, flameGraph);
      log(
          String.format(
              Locale.ROOT,
              "%s: %.0f req/s while sampling (warm-up %.0f req/s); flame graph %s",
              event,
              r.requestsPerSecond(),
              warm.requestsPerSecond(),
              flameGraph));
      report
          .append(
              CollapsedStacks.parse(Files.readAllLines(collapsed), PROFILE_STAGES, UNMARKED_STAGE)
                  .summary(
                      event.equals("cpu") ? "CPU" : "allocations (bytes)", 20, event.equals("cpu")))
          .append('\n');
    }
    System.out.println(report);
    return 0;
  }

  // ---- report ----------------------------------------------------------------------------------

  private String report(
      List<Target> targets, Results results, String loadBefore, String loadAfter, Duration took) {
    StringBuilder out = new StringBuilder();
    out.append("## Proxy overhead: direct vs NGINX vs HAProxy vs Envoy vs Attaché\n\n");
    out.append("Run ")
        .append(clock.instant().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        .append(", ")
        .append(rounds)
        .append(" rounds × ")
        .append(durationSeconds)
        .append(" s per cell, medians; took ")
        .append(took.toSeconds())
        .append(" s.\n");
    out.append("Load average (1/5/15 min) before: ")
        .append(loadBefore)
        .append("; after: ")
        .append(loadAfter)
        .append(".\n\n");
    out.append(results.table()).append('\n');
    out.append("Ratios are ")
        .append(targets.stream().filter(t -> t.flags() != null).findFirst().orElseThrow().name())
        .append(
            " ÷ the other: above 1 is better for req/s, below 1 is"
                + " better for µs, s and MB. Latency rows show the value added over direct in the same"
                + " round (the direct column shows its absolute latency). CPU and RSS are the proxy's"
                + " process tree (for direct: the upstream NGINX).\n\n");
    out.append(goals(results, targets)).append('\n');
    out.append("### Set-up\n\n");
    out.append("- Machine: ").append(machine()).append('\n');
    out.append("- ").append(Commands.firstLine(workDir, "nginx", "-v")).append('\n');
    out.append("- ").append(Commands.firstLine(workDir, "haproxy", "-v")).append('\n');
    if (targets.stream().anyMatch(t -> t.name().equals(Results.ENVOY))) {
      out.append("- Envoy: `")
          .append(Commands.firstLine(workDir, envoy().toString(), "--version").strip())
          .append("`, `--concurrency 1`\n");
    }
    out.append("- ").append(Commands.firstLine(workDir, "wrk", "-v")).append('\n');
    out.append("- ").append(Commands.firstLine(workDir, "h2load", "--version")).append('\n');
    out.append("- ").append(Commands.firstLine(workDir, javaBinary(), "-version")).append('\n');
    for (Target t : targets) {
      if (t.flags() != null) {
        JvmCommand jvm = JvmCommand.of(t.flags(), javaBinary());
        out.append("- Attaché `")
            .append(t.name())
            .append("` JVM flags: `")
            .append(jvm.flags().isEmpty() ? "(JVM defaults)" : String.join(" ", jvm.flags()))
            .append("`, `--concurrency 1`");
        jvm.jar().ifPresent(jar -> out.append(", jar `").append(jar).append('`'));
        if (!jvm.java().equals(javaBinary())) {
          out.append(", on `")
              .append(Commands.firstLine(workDir, jvm.java(), "-version").strip())
              .append("` (`")
              .append(jvm.java())
              .append("`)");
        }
        out.append('\n');
      }
    }
    out.append(
            "- Upstream: NGINX, 1 worker, static `1k` / `64k` files, keep-alive 60 s. NGINX proxy:"
                + " 1 worker, `keepalive 64` upstream pool, HTTP/1.1 upstream. HAProxy: `nbthread 1`,"
                + " `http-reuse always`. Attaché: one event loop, default pool (keep-alive). Envoy: the"
                + " stock binary on the very bootstrap Attaché runs (one listener, one route, the"
                + " same clusters; generated once by `BenchConfigs.proxyBootstrap`), its own ports."
                + " Every proxy has ")
        .append(clusters)
        .append(
            " clusters/upstreams/backends configured; access logs"
                + " off everywhere. Attaché and Envoy add `x-request-id` (Envoy's default); the others add"
                + " nothing. Start-up is process start → admin `/ready` answering 200 LIVE (polled"
                + " every 5 ms), once per run.\n");
    out.append("- Loads: throughput `wrk -t")
        .append(wrkThreads)
        .append(" -c")
        .append(connections)
        .append(" -d")
        .append(durationSeconds)
        .append("s`; latency `wrk -t1 -c1 -d")
        .append(durationSeconds)
        .append(
            "s` (percentiles from wrk's histogram via a Lua `done`"
                + " hook); HTTP/2 `h2load -t1 -c")
        .append(h2Clients)
        .append(" -m")
        .append(h2Streams)
        .append(" -D")
        .append(durationSeconds)
        .append("` (h2c prior knowledge); fixed rate `wrk -t1 -c")
        .append(fixedRateConnections)
        .append("` with a ")
        .append(fixedRateDelayMillis)
        .append(
            " ms `delay()` per connection (its p50/p99/p99.9 are absolute, from wrk's histogram), CPU from `/proc/<pid>/stat` utime+stime deltas,"
                + " RSS from `VmRSS`, PSS from `/proc/<pid>/smaps_rollup`. Every proxy gets a ")
        .append(warmupSeconds)
        .append(
            " s warm-up of each shape; an Attaché JVM then keeps warming until its JIT compilers"
                + " worked < 100 ms in a 5-s slice (at most 60 s more); target order rotates each"
                + " round.\n");
    out.append("- Command: `./attache bench proxy --rounds ")
        .append(rounds)
        .append(" --duration-s ")
        .append(durationSeconds);
    for (String v : attacheVariants) {
      out.append(" --attache '").append(v).append('\'');
    }
    if (startTimeoutSeconds != 60) {
      out.append(" --start-timeout-s ").append(startTimeoutSeconds);
    }
    out.append("`\n\n");
    out.append("<details><summary>Every round</summary>\n\n")
        .append(results.rawTable())
        .append("\n</details>\n");
    return out.toString();
  }

  private static String goals(Results results, List<Target> targets) {
    String a = targets.stream().filter(t -> t.flags() != null).findFirst().orElseThrow().name();
    StringBuilder out = new StringBuilder("Goals (issues 8 and 20), for `" + a + "`:\n\n");
    boolean haveEnvoy = targets.stream().anyMatch(t -> t.name().equals(Results.ENVOY));
    if (haveEnvoy) {
      for (Metric throughput : List.of(Metric.RPS_1K, Metric.RPS_64K, Metric.RPS_H2)) {
        double ratio = results.median(throughput, a) / results.median(throughput, Results.ENVOY);
        out.append(
            goal(
                throughput.label() + " ≥ 1.0× Envoy",
                ratio >= 1.0,
                String.format(Locale.ROOT, "%.2f× Envoy", ratio)));
      }
      for (Metric latency : List.of(Metric.P50_ADDED, Metric.P99_ADDED)) {
        double mine = results.median(latency, a);
        double envoy = results.median(latency, Results.ENVOY);
        out.append(
            goal(
                latency.label() + " ≤ Envoy's",
                mine <= envoy,
                String.format(Locale.ROOT, "%.0f µs vs %.0f µs", mine, envoy)));
      }
      double cpu = results.median(Metric.CPU_PER_1000, a);
      double envoyCpu = results.median(Metric.CPU_PER_1000, Results.ENVOY);
      out.append(
          goal(
              "CPU per 1,000 requests at the fixed rate ≤ Envoy's",
              cpu <= envoyCpu,
              String.format(Locale.ROOT, "%.3f s vs %.3f s", cpu, envoyCpu)));
      double startup = results.median(Metric.STARTUP, a);
      double envoyStartup = results.median(Metric.STARTUP, Results.ENVOY);
      out.append(
          String.format(
              Locale.ROOT,
              "- start-up (reported, no goal): %.0f ms vs Envoy's %.0f ms%n",
              startup,
              envoyStartup));
    }
    boolean haveHaproxy = targets.stream().anyMatch(t -> t.name().equals(Results.HAPROXY));
    if (haveHaproxy) {
      double ratio90 =
          results.median(Metric.RPS_1K, a) / results.median(Metric.RPS_1K, Results.HAPROXY);
      out.append(
          goal(
              "1 KB throughput ≥ 0.9× HAProxy (issue 20)",
              ratio90 >= 0.9,
              String.format(Locale.ROOT, "%.2f× HAProxy", ratio90)));
      double ratio =
          results.median(Metric.RPS_1K, a) / results.median(Metric.RPS_1K, Results.HAPROXY);
      out.append(
          goal(
              "1 KB throughput ≥ HAProxy",
              ratio >= 1.0,
              String.format(Locale.ROOT, "%.2f× HAProxy", ratio)));
      double p50 = results.median(Metric.P50_ADDED, a);
      double hp50 = results.median(Metric.P50_ADDED, Results.HAPROXY);
      out.append(
          goal(
              "added p50 ≤ HAProxy",
              p50 <= hp50,
              String.format(Locale.ROOT, "%.0f µs vs %.0f µs", p50, hp50)));
      double p99 = results.median(Metric.P99_ADDED, a);
      double hp99 = results.median(Metric.P99_ADDED, Results.HAPROXY);
      out.append(
          goal(
              "added p99 ≤ 1.5 × HAProxy",
              p99 <= 1.5 * hp99,
              String.format(Locale.ROOT, "%.0f µs vs %.0f µs", p99, hp99)));
    }
    double rss = results.median(Metric.RSS, a);
    out.append(goal("RSS ≤ 64 MB", rss <= 64, String.format(Locale.ROOT, "%.1f MB", rss)));
    double cpu = results.median(Metric.CPU_PER_1000, a);
    out.append(
        goal(
            "CPU ≤ 0.2 s per 1,000 requests",
            cpu <= 0.2,
            String.format(Locale.ROOT, "%.3f s", cpu)));
    return out.toString();
  }

  private static String goal(String name, boolean met, String detail) {
    return "- " + name + ": **" + (met ? "met" : "not met") + "** (" + detail + ")\n";
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return parts[0] + " / " + parts[1] + " / " + parts[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String machine() {
    String model = "unknown CPU";
    String memory = "";
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          model = line.substring(line.indexOf(':') + 1).trim();
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal:")) {
          long kb = Long.parseLong(line.replaceAll("\\D", ""));
          memory = String.format(Locale.ROOT, ", %.0f GiB", kb / 1048576.0);
        }
      }
    } catch (IOException | NumberFormatException e) {
      // best effort: the report says "unknown"
    }
    return Runtime.getRuntime().availableProcessors()
        + " cores ("
        + model
        + ")"
        + memory
        + ", Linux "
        + System.getProperty("os.version");
  }

  private static String javaBinary() {
    return ProcessHandle.current().info().command().orElse("java");
  }

  private static void log(String message) {
    System.err.println("bench: " + message);
  }
}
