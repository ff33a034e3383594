package io.attache.bench.controlplane;

import io.attache.bench.profile.AsyncProfiler;
import io.attache.bench.profile.CollapsedStacks;
import io.attache.bench.proxy.DocSection;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.ca.CaKeyEncryptionKey;
import io.attache.controlplane.store.PostgresLocation;
import io.attache.controlplane.testing.TestPostgres;
import io.attache.controlplane.xds.SystemScheduler;
import io.attache.controlplane.xds.XdsServer;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code ./attache bench control-plane}: for each API, N and replica count, starts fresh control
 * planes in this JVM (one on the embedded store, or several on a PostgreSQL the harness starts) and
 * N simulated proxies (real ADS streams over loopback gRPC) in a child JVM, then times REST write →
 * last ACK per round, the control plane's CPU per round and its heap per connected proxy; times
 * snapshot translation for a large mesh in-process; prints one table and writes it into
 * docs/benchmarks.md. Every wait has a deadline and every child process is killed on exit.
 */
@Command(
    name = "attache bench control-plane",
    mixinStandardHelpOptions = true,
    description = "Control-plane fan-out: REST write → last ACK, CPU and heap per proxy.")
public final class ControlPlaneBenchmark implements Callable<Integer> {
  /** The harness's only wall clock: the date stamped on the results and the control plane's. */
  private final Clock clock;

  public ControlPlaneBenchmark() {
    this(Clock.systemUTC());
  }

  ControlPlaneBenchmark(Clock clock) {
    this.clock = clock;
  }

  static final String DOC_SECTION = "control-plane-bench";

  @Option(
      names = "--proxies",
      split = ",",
      description = "simulated proxy counts, one cell each (default 100,1000,10000)")
  List<Integer> proxies = List.of(100, 1_000, 10_000);

  @Option(
      names = "--replicas",
      split = ",",
      description =
          "control-plane replicas per cell, one cell each (default 1,3): 1 is the embedded store;"
              + " more share a PostgreSQL the harness starts, the proxies spread over them and"
              + " every write goes through the first")
  List<Integer> replicas = List.of(1, 3);

  @Option(
      names = "--xds-threads",
      split = ",",
      description =
          "threads running the xDS streams' handlers, one cell each (default: the control plane's"
              + " default); 0 is gRPC's shared unbounded pool, so --xds-threads 0,4 compares it"
              + " with a pool of 4 in one run")
  List<Integer> xdsThreads = List.of(XdsServer.DEFAULT_HANDLER_THREADS);

  @Option(names = "--rounds", description = "writes per cell (default 20)")
  int rounds = 20;

  @Option(
      names = "--warmup-rounds",
      description = "writes per cell before the measured rounds, not counted (default 2)")
  int warmupRounds = 2;

  @Option(names = "--api", description = "sotw, delta or both (default both)")
  String apiChoice = "both";

  @Option(names = "--services", description = "services in the mesh during fan-out (default 20)")
  int services = 20;

  @Option(names = "--endpoints", description = "endpoints per service (default 3)")
  int endpointsPerService = 3;

  @Option(names = "--node-groups", description = "distinct node.cluster values (default 8)")
  int nodeGroups = 8;

  @Option(
      names = "--proxies-per-connection",
      description = "ADS streams sharing one gRPC connection (default 1: one per proxy, as real)")
  int proxiesPerConnection = 1;

  @Option(
      names = "--translation-services",
      description = "services in the translation timing (default 10000)")
  int translationServices = 10_000;

  @Option(
      names = "--client-java-opts",
      description = "JVM options of the simulated-proxies process (default ${DEFAULT-VALUE})")
  String clientJavaOptions = "-Xmx3g -Xss512k";

  @Option(
      names = "--connect-timeout-s",
      description = "deadline for all proxies' initial config (default 300)")
  int connectTimeoutSeconds = 300;

  @Option(names = "--round-timeout-s", description = "deadline per round (default 60)")
  int roundTimeoutSeconds = 60;

  @Option(
      names = "--doc",
      description = "the Markdown file whose control-plane section gets the report")
  Path doc = Path.of("docs/benchmarks.md");

  @Option(names = "--no-doc", description = "print the report only")
  boolean noDoc;

  @Option(
      names = "--profile",
      description =
          "cpu or alloc: async-profile the control plane over each cell's measured rounds; flame"
              + " graphs and collapsed stacks in bench/target, a summary on stdout (implies"
              + " --no-doc: a profiled run is slower)")
  String profileEvent = "";

  private Optional<AsyncProfiler> profiler = Optional.empty();

  private final List<ProcessHandle> started = new CopyOnWriteArrayList<>();
  private TestPostgres postgres;
  private String[] arguments = new String[0];

  public static void main(String[] args) {
    // The control plane logs every stream at INFO; thousands of them would drown the table.
    io.attache.logging.ApplicationLogs.setAll(io.attache.logging.LogLevel.WARNING);
    ControlPlaneBenchmark benchmark = new ControlPlaneBenchmark();
    benchmark.arguments = args.clone();
    System.exit(new CommandLine(benchmark).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    validate();
    Thread cleanup = new Thread(this::killChildren, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanup);
    Instant startedAt = clock.instant();
    long startNanos = System.nanoTime();
    LoadAverage before = LoadAverage.read();
    List<Double> oneMinuteLoads = new CopyOnWriteArrayList<>(List.of(before.oneMinute()));
    ScheduledExecutorService sampler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread thread = new Thread(r, "load-sampler");
              thread.setDaemon(true);
              return thread;
            });
    sampler.scheduleAtFixedRate(
        () -> oneMinuteLoads.add(LoadAverage.read().oneMinute()), 5, 5, TimeUnit.SECONDS);
    Path workDir = Files.createTempDirectory("attache-cp-bench-work-");
    try {
      if (!profileEvent.isEmpty()) {
        profiler = AsyncProfiler.extract(workDir);
        if (profiler.isEmpty()) {
          throw new CommandLine.ParameterException(
              new CommandLine(this), "async-profiler has no agent for this system");
        }
        noDoc = true;
      }
      log("timing snapshot translation for %d services ...", translationServices);
      TranslationTiming.Result translation =
          TranslationTiming.measure(translationServices, endpointsPerService, 3, 7);
      List<CellResult> cells = new ArrayList<>();
      for (Api api : apis()) {
        for (int n : proxies) {
          for (int replicaCount : replicas) {
            for (int threads : xdsThreads) {
              CellResult cell = runCell(api, n, replicaCount, threads);
              cells.add(cell);
              log(
                  "%s × %d over %d replica(s), xDS threads %s: p50 %.0f ms, p99 %.0f ms, %.1f KB"
                      + " heap per proxy",
                  api.label(),
                  n,
                  replicaCount,
                  cell.xdsThreadsLabel(),
                  cell.convergence().median(),
                  cell.convergence().at(99),
                  cell.heapPerProxyBytes() / 1024);
            }
          }
        }
      }
      LoadAverage after = LoadAverage.read();
      oneMinuteLoads.add(after.oneMinute());
      ControlPlaneReport.Run run =
          new ControlPlaneReport.Run(
              startedAt,
              TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - startNanos),
              new ControlPlaneReport.Settings(
                  commandLine(arguments),
                  warmupRounds,
                  services,
                  endpointsPerService,
                  nodeGroups,
                  proxiesPerConnection,
                  clientJavaOptions),
              Machine.current(),
              before,
              after,
              oneMinuteLoads.stream().min(Comparator.naturalOrder()).orElse(Double.NaN),
              oneMinuteLoads.stream().max(Comparator.naturalOrder()).orElse(Double.NaN),
              cells,
              translation);
      String report = ControlPlaneReport.render(run);
      System.out.println(report);
      if (!noDoc) {
        String current = Files.readString(doc, StandardCharsets.UTF_8);
        Files.writeString(
            doc, DocSection.replace(current, DOC_SECTION, report), StandardCharsets.UTF_8);
        log("wrote the control-plane section of %s", doc);
      }
      return 0;
    } finally {
      sampler.shutdownNow();
      killChildren();
      deleteRecursively(workDir);
      if (postgres != null) {
        postgres.close();
      }
    }
  }

  void validate() {
    try {
      apis();
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(new CommandLine(this), e.getMessage());
    }
    if (rounds < 1
        || warmupRounds < 0
        || proxies.isEmpty()
        || proxies.stream().anyMatch(n -> n < 1)
        || replicas.isEmpty()
        || replicas.stream().anyMatch(n -> n < 1)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--rounds and every --proxies and --replicas count must be at least 1");
    }
    if (xdsThreads.isEmpty() || xdsThreads.stream().anyMatch(n -> n < 0)) {
      throw new CommandLine.ParameterException(
          new CommandLine(this), "every --xds-threads count must be 0 (gRPC's pool) or more");
    }
    if (proxiesPerConnection < 1 || nodeGroups < 1 || services < 1 || endpointsPerService < 1) {
      throw new CommandLine.ParameterException(
          new CommandLine(this),
          "--proxies-per-connection, --node-groups, --services and --endpoints must be at least"
              + " 1");
    }
  }

  private CellResult runCell(Api api, int n, int replicaCount, int threads) throws IOException {
    Path dataDir = Files.createTempDirectory("attache-cp-bench-");
    List<ControlPlane> replicas = new ArrayList<>();
    try (SystemScheduler scheduler = new SystemScheduler()) {
      Optional<ControlPlaneConfig.SharedStore> shared =
          replicaCount == 1 ? Optional.empty() : Optional.of(sharedStore());
      for (int i = 0; i < replicaCount; i++) {
        ControlPlaneConfig config =
            new ControlPlaneConfig(
                    "127.0.0.1",
                    0,
                    "127.0.0.1",
                    0,
                    dataDir.resolve("replica-" + i),
                    ControlPlaneConfig.DEFAULT_QUIET_PERIOD,
                    ControlPlaneConfig.DEFAULT_MAX_DELAY)
                .withXdsThreads(threads);
        replicas.add(
            ControlPlane.start(
                shared.map(config::withSharedStore).orElse(config), scheduler, clock));
      }
      // Writes go to the first replica; the others learn of them from the store.
      AdminWriter rest = new AdminWriter(replicas.get(0).httpPort());
      for (int s = 0; s < services; s++) {
        rest.putService(s, endpointsPerService);
      }
      long heapIdle = usedHeapAfterGc();
      log(
          "%s × %d over %d replica(s), xDS threads %s: connecting ...",
          api.label(),
          n,
          replicaCount,
          threads == XdsServer.SHARED_GRPC_POOL ? "gRPC shared" : threads);
      double cpuBeforeConnect = cpuSeconds();
      long connectStart = System.nanoTime();
      try (SimulatedProxiesProcess clients =
          SimulatedProxiesProcess.start(
              Arrays.asList(clientJavaOptions.trim().split("\\s+")),
              List.of(
                  "--port="
                      + replicas.stream()
                          .map(r -> Integer.toString(r.xdsPort()))
                          .collect(Collectors.joining(",")),
                  "--proxies=" + n,
                  "--api=" + api.label(),
                  "--proxies-per-connection=" + proxiesPerConnection,
                  "--node-groups=" + nodeGroups,
                  "--connect-timeout-s=" + connectTimeoutSeconds),
              started)) {
        clients.awaitReady(Duration.ofSeconds(connectTimeoutSeconds + 30L));
        double connectSeconds = (System.nanoTime() - connectStart) / 1e9;
        double connectCpu = cpuSeconds() - cpuBeforeConnect;
        long heapConnected = usedHeapAfterGc();
        List<Double> millis = new ArrayList<>();
        List<Double> cpu = new ArrayList<>();
        Duration roundTimeout = Duration.ofSeconds(roundTimeoutSeconds);
        for (int r = 0; r < warmupRounds + rounds; r++) {
          if (r == warmupRounds) {
            profiler.ifPresent(p -> p.start(ProcessHandle.current().pid(), profileEvent));
          }
          clients.arm(roundTimeout);
          double cpuBefore = cpuSeconds();
          long writeStart = System.nanoTime();
          rest.putDefaultsForRound(r);
          // System.nanoTime() is CLOCK_MONOTONIC on Linux: one clock for both JVMs.
          long lastAck = clients.awaitLastAck(roundTimeout);
          if (r >= warmupRounds) {
            cpu.add(cpuSeconds() - cpuBefore);
            millis.add((lastAck - writeStart) / 1e6);
          }
        }
        profiler.ifPresent(p -> reportProfile(p, api, n, threads));
        clients.close();
        long heapDisconnected = usedHeapAfterAllDisconnected(replicas);
        return new CellResult(
            api,
            n,
            replicaCount,
            threads,
            connectSeconds,
            connectCpu,
            millis,
            cpu,
            heapIdle,
            heapConnected,
            heapDisconnected);
      }
    } finally {
      replicas.forEach(ControlPlane::close);
      deleteRecursively(dataDir);
    }
  }

  /** Stops the profile of one cell's rounds, keeps its files and prints where the time went. */
  private void reportProfile(AsyncProfiler async, Api api, int n, int threads) {
    try {
      Path kept = Path.of("bench/target").toAbsolutePath();
      Files.createDirectories(kept);
      String name =
          "attache-cp-" + api.label() + "-" + n + "-threads" + threads + "-" + profileEvent;
      Path collapsed = kept.resolve(name + ".collapsed");
      Path flameGraph = kept.resolve(name + ".html");
      async.stop(ProcessHandle.current().pid(), collapsed, flameGraph);
      boolean cpu = profileEvent.equals("cpu");
      System.out.println(
          CollapsedStacks.parse(Files.readAllLines(collapsed), PROFILE_STAGES, UNMARKED_STAGE)
              .summary(
                  api.label() + " × " + n + (cpu ? ", CPU" : ", allocations (bytes)"), 25, cpu));
      log("flame graph %s", flameGraph);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /**
   * The control plane's stages, from a write to the ACKs; on one stack the deepest marked frame
   * wins, so the serialisation inside a response counts as serialisation.
   */
  static final List<CollapsedStacks.Stage> PROFILE_STAGES =
      Stream.concat(
              CollapsedStacks.KERNEL_STAGES.stream(),
              Stream.of(
                  new CollapsedStacks.Stage("JIT compiler", "CompileBroker"),
                  new CollapsedStacks.Stage("GC", "G1"),
                  new CollapsedStacks.Stage("REST write and store", "io/attache/controlplane/rest"),
                  new CollapsedStacks.Stage("translation", "SnapshotTranslator"),
                  new CollapsedStacks.Stage("versioning", "ResourceVersions"),
                  new CollapsedStacks.Stage("versioning", "VersionedSnapshot"),
                  new CollapsedStacks.Stage(
                      "server: serialise resources", "ResourceBytesSerializer"),
                  new CollapsedStacks.Stage(
                      "server: serialise resources", "serializer/CachedProtoResourcesSerializer"),
                  new CollapsedStacks.Stage("gRPC: encode message", "MessageFramer"),
                  new CollapsedStacks.Stage("gRPC: decode message", "ProtoLiteUtils"),
                  new CollapsedStacks.Stage("status tracking", "ProxyStatusTracker"),
                  new CollapsedStacks.Stage("cache: open a watch", "SimpleCache.createWatch"),
                  new CollapsedStacks.Stage("cache: answer watches", "SimpleCache.respond"),
                  new CollapsedStacks.Stage("server: stream observers", "controlplane/server"),
                  new CollapsedStacks.Stage("Netty HTTP/2", "handler/codec/http2"),
                  new CollapsedStacks.Stage("logging", "slf4j")))
          .toList();

  static final String UNMARKED_STAGE = "other (gRPC, Netty, JDK)";

  /**
   * A fresh database on the run's PostgreSQL (started on first use from the embedded binaries the
   * tests use, stopped on exit) and a fresh CA key: every multi-replica cell starts empty.
   */
  private ControlPlaneConfig.SharedStore sharedStore() throws IOException {
    if (postgres == null) {
      log("starting PostgreSQL for the multi-replica cells ...");
      postgres = TestPostgres.start();
    }
    return new ControlPlaneConfig.SharedStore(
        PostgresLocation.parse(postgres.uri(postgres.createDatabase()), Map.of(), Optional.empty()),
        ControlPlaneConfig.SharedStore.DEFAULT_HEAD_CHECK_INTERVAL,
        Optional.of(CaKeyEncryptionKey.random()));
  }

  /** Heap after full collections once every replica has seen every stream go (≤ 60 s). */
  private static long usedHeapAfterAllDisconnected(List<ControlPlane> replicas) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (replicas.stream().anyMatch(r -> !r.proxies().proxies().isEmpty())
        && System.nanoTime() < deadline) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    if (replicas.stream().anyMatch(r -> !r.proxies().proxies().isEmpty())) {
      log("streams still open 60 s after the proxies quit; heap per proxy is understated");
    }
    return usedHeapAfterGc();
  }

  /** Heap in use after full collections (System.gc() returns once the collection is done). */
  private static long usedHeapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** This process's CPU time, user + system over all threads: the control plane's. */
  private static double cpuSeconds() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  private void killChildren() {
    for (ProcessHandle child : started) {
      if (child.isAlive()) {
        child.destroyForcibly();
      }
    }
  }

  static String commandLine(String[] args) {
    return ("./attache bench control-plane " + String.join(" ", args)).strip();
  }

  private static void log(String format, Object... args) {
    System.err.println("bench: " + String.format(format, args));
  }

  private static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }

  /** The APIs {@code --api} chose, in the order their cells run. */
  List<Api> apis() {
    return Api.parseChoice(apiChoice);
  }
}
