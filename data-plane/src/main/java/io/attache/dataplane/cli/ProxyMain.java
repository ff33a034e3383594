package io.attache.dataplane.cli;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.drain.DrainStrategy;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.stats.TagExtractedName;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.UnknownDynamicFields;
import io.attache.dataplane.xds.XdsTransport;
import io.attache.logging.ApplicationLogs;
import io.envoyproxy.envoy.admin.v3.CommandLineOptions;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import io.netty.util.ResourceLeakDetector;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attache proxy}: the data-plane proxy's command line, with Envoy's flags. A flag that means
 * something here has Envoy's meaning; one that only concerns Envoy's hot restart, profilers or
 * build is accepted and logged as having no effect, so a launcher written for Envoy (Istio's
 * pilot-agent) starts Attaché unchanged. Exits 1 on a config it cannot honour, 0 after a clean
 * drain on SIGTERM.
 */
@Command(
    name = "attache proxy",
    mixinStandardHelpOptions = true,
    versionProvider = ProxyMain.Version.class,
    sortOptions = false,
    description = "Runs the Attaché data-plane proxy from an Envoy v3 bootstrap (YAML or JSON).")
public final class ProxyMain implements Callable<Integer> {
  private static final Logger log = LoggerFactory.getLogger(ProxyMain.class);

  // ---- config ---------------------------------------------------------------------------------

  /**
   * Messages go to picocli's writers (stdout / stderr by default), so a caller can capture them.
   */
  @Spec CommandSpec spec;

  @Option(
      names = {"-c", "--config-path"},
      description = "Envoy v3 bootstrap file (.yaml, .yml or .json).")
  Path configPath;

  @Option(
      names = "--config-yaml",
      description = "Bootstrap as an inline YAML string, merged over --config-path (as in Envoy).")
  String configYaml;

  @Option(
      names = "--mode",
      defaultValue = "serve",
      description =
          "serve (default); validate: check the config and exit; init_only: start, then exit.")
  String mode;

  @Option(
      names = {"--allow-unknown-static-fields", "--allow-unknown-fields"},
      description = "Drop unknown bootstrap fields with a warning instead of refusing the config.")
  boolean allowUnknownStaticFields;

  @Option(
      names = "--reject-unknown-dynamic-fields",
      description = "NACK xDS resources with fields this build does not know (default: warn).")
  boolean rejectUnknownDynamicFields;

  @Option(
      names = "--ignore-unknown-dynamic-fields",
      description = "Accept xDS resources with unknown fields without a warning.")
  boolean ignoreUnknownDynamicFields;

  // ---- identity -------------------------------------------------------------------------------

  @Option(names = "--service-node", description = "Overrides node.id of the bootstrap.")
  String serviceNode;

  @Option(names = "--service-cluster", description = "Overrides node.cluster of the bootstrap.")
  String serviceCluster;

  @Option(names = "--service-zone", description = "Overrides node.locality.zone of the bootstrap.")
  String serviceZone;

  @Option(
      names = "--stats-tag",
      description = "name:value, a tag every stat carries in Prometheus output (repeatable).")
  List<String> statsTags = new ArrayList<>();

  // ---- workers and draining -------------------------------------------------------------------

  @Option(
      names = "--concurrency",
      description = "Worker event loops (default: the CPUs this process may use, cpuset-aware).")
  Integer concurrency;

  @Option(
      names = "--drain-time-s",
      defaultValue = "5",
      description = "Seconds a drain lets in-flight requests finish (default ${DEFAULT-VALUE}).")
  long drainTimeSeconds;

  @Option(
      names = "--drain-strategy",
      defaultValue = "gradual",
      description =
          "gradual (default): while draining, each response asks its connection to close with a"
              + " probability growing over the drain time; immediate: every response does.")
  String drainStrategy;

  @Option(
      names = "--admin-address-path",
      description = "Writes the admin endpoint's address (ip:port) to this file once it is bound.")
  Path adminAddressPath;

  // ---- logging --------------------------------------------------------------------------------

  @Option(
      names = {"-l", "--log-level"},
      defaultValue = "info",
      description = "trace, debug, info (default), warning|warn, error, critical or off.")
  String logLevel;

  @Option(
      names = "--component-log-level",
      description =
          "Comma-separated component:level (upstream:debug,config:trace); a Java logger name or"
              + " prefix* may stand for a component.")
  String componentLogLevel;

  @Option(
      names = "--log-format",
      description =
          "Envoy's spdlog pattern (default \"" + "[%Y-%m-%d %T.%e][%t][%l][%n] [%g:%#] %v\").")
  String logFormat;

  @Option(
      names = "--log-format-escaped",
      description = "C-style escapes in messages, so each log entry is one line.")
  boolean logFormatEscaped;

  @Option(names = "--log-path", description = "Application log file (default standard error).")
  Path logPath;

  @Option(
      names = "--enable-fine-grain-logging",
      description =
          "Accepted: levels may always be set per Java logger name as well as per" + " component.")
  boolean enableFineGrainLogging;

  @Option(
      names = "--log-stacktrace-single-entry",
      description = "Accepted: a stack trace is always part of its log entry.")
  boolean logStacktraceSingleEntry;

  @Option(
      names = "--skip-deprecated-logs",
      description = "Accepted: Attaché logs no deprecation warnings.")
  boolean skipDeprecatedLogs;

  // ---- Envoy-only: accepted, logged, no effect -----------------------------------------------

  @Option(names = "--local-address-ip-version", description = "v4 or v6 (no effect here).")
  String localAddressIpVersion;

  @Option(names = "--file-flush-interval-msec", description = "No effect: see --help text.")
  Long fileFlushIntervalMsec;

  @Option(names = "--file-flush-min-size-kb", description = "No effect: see --help text.")
  Long fileFlushMinSizeKb;

  @Option(names = "--disable-hot-restart", description = "No effect: never hot-restarts.")
  boolean disableHotRestart;

  @Option(names = "--restart-epoch", description = "Reported only: never hot-restarts.")
  Long restartEpoch;

  @Option(names = "--parent-shutdown-time-s", description = "No effect: never hot-restarts.")
  Long parentShutdownTimeSeconds;

  @Option(names = "--base-id", description = "No effect: no shared memory.")
  Long baseId;

  @Option(names = "--use-dynamic-base-id", description = "No effect: no shared memory.")
  boolean useDynamicBaseId;

  @Option(names = "--base-id-path", description = "No effect: no shared memory.")
  Path baseIdPath;

  @Option(names = "--socket-path", description = "No effect: no hot-restart socket.")
  String socketPath;

  @Option(names = "--socket-mode", description = "No effect: no hot-restart socket.")
  String socketMode;

  @Option(names = "--skip-hot-restart-on-no-parent", description = "No effect.")
  boolean skipHotRestartOnNoParent;

  @Option(names = "--skip-hot-restart-parent-stats", description = "No effect.")
  boolean skipHotRestartParentStats;

  @Option(
      names = "--hot-restart-version",
      description = "Prints the hot-restart compatibility version (\"disabled\") and exits.")
  boolean hotRestartVersion;

  @Option(names = "--enable-core-dump", description = "No effect: the JVM decides.")
  boolean enableCoreDump;

  @Option(names = "--enable-mutex-tracing", description = "No effect: use JFR.")
  boolean enableMutexTracing;

  @Option(
      names = "--cpuset-threads",
      description = "Accepted: the default --concurrency already follows the cpuset.")
  boolean cpusetThreads;

  @Option(names = "--disable-extensions", description = "No effect: see docs/data-plane.md.")
  String disableExtensions;

  @Override
  public Integer call() {
    if (hotRestartVersion) {
      spec.commandLine().getOut().println(ProxyServer.HOT_RESTART_VERSION);
      return 0;
    }
    ProxyLogging.Settings logging;
    try {
      // The flags' logging first, so loading the bootstrap logs in the asked-for form.
      logging = ProxyLogging.fromFlags(this);
      ApplicationLogs.configure(logging.fromFlags());
    } catch (IllegalArgumentException | IOException e) {
      spec.commandLine().getErr().println("attache proxy: " + e.getMessage());
      return 1;
    }
    Bootstrap bootstrap;
    AtomicLong unknownStaticFields = new AtomicLong();
    try {
      bootstrap = loadBootstrap(unknownStaticFields);
      if (bootstrap.hasApplicationLogConfig()) {
        ApplicationLogs.configure(logging.withBootstrap(bootstrap));
      }
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("attache proxy: invalid config: " + e.getMessage());
      return 1;
    } catch (IllegalArgumentException | IOException e) {
      spec.commandLine().getErr().println("attache proxy: " + e.getMessage());
      return 1;
    }
    logNoOps();
    ProxyOptions options;
    try {
      options = options();
    } catch (IllegalArgumentException e) {
      spec.commandLine().getErr().println("attache proxy: " + e.getMessage());
      return 1;
    }
    switch (mode) {
      case "validate" -> {
        try {
          ProxyServer.validate(bootstrap)
              .forEach(w -> spec.commandLine().getErr().println("warning: " + w));
          spec.commandLine().getOut().println("configuration '" + describeSource() + "' OK");
          return 0;
        } catch (ConfigException e) {
          spec.commandLine().getErr().println("attache proxy: invalid config: " + e.getMessage());
          return 1;
        }
      }
      case "serve", "init_only" -> {}
      default -> {
        spec.commandLine()
            .getErr()
            .println("attache proxy: --mode must be serve, validate or init_only");
        return 2;
      }
    }
    ProxyServer server;
    try {
      server = ProxyServer.start(bootstrap, options);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("attache proxy: invalid config: " + e.getMessage());
      return 1;
    }
    server.countUnknownStaticFields(unknownStaticFields.get());
    if (mode.equals("init_only")) {
      log.info("--mode init_only: initialised; exiting");
      server.drainAndStop(Duration.ZERO);
      return 0;
    }
    Thread shutdown =
        new Thread(
            () -> {
              server.drainAndStop(options.drainTime());
              // A drained proxy has finished its job: exit 0, not the 143 a SIGTERM would leave.
              Runtime.getRuntime().halt(0);
            },
            "attache-shutdown");
    Runtime.getRuntime().addShutdownHook(shutdown);
    server.awaitTermination();
    return 0;
  }

  private ProxyOptions options() {
    DrainStrategy strategy =
        switch (drainStrategy) {
          case "gradual" -> DrainStrategy.GRADUAL;
          case "immediate" -> DrainStrategy.IMMEDIATE;
          default ->
              throw new IllegalArgumentException(
                  "--drain-strategy must be gradual or immediate, got '" + drainStrategy + "'");
        };
    if (localAddressIpVersion != null
        && !localAddressIpVersion.equals("v4")
        && !localAddressIpVersion.equals("v6")) {
      throw new IllegalArgumentException(
          "--local-address-ip-version must be v4 or v6, got '" + localAddressIpVersion + "'");
    }
    if (rejectUnknownDynamicFields && ignoreUnknownDynamicFields) {
      throw new IllegalArgumentException(
          "--reject-unknown-dynamic-fields and --ignore-unknown-dynamic-fields exclude each other");
    }
    List<TagExtractedName.Tag> tags = new ArrayList<>();
    for (String tag : statsTags) {
      int colon = tag.indexOf(':');
      String name = colon < 0 ? "" : tag.substring(0, colon);
      String value = colon < 0 ? "" : tag.substring(colon + 1);
      if (name.isEmpty() || !name.chars().allMatch(Character::isLetterOrDigit)) {
        throw new IllegalArgumentException(
            "--stats-tag '" + tag + "': want name:value with an alphanumeric name");
      }
      if (value.contains(".")) {
        throw new IllegalArgumentException("--stats-tag '" + tag + "': a value has no '.'");
      }
      if (tags.stream().anyMatch(t -> t.name().equals(name))) {
        throw new IllegalArgumentException("--stats-tag '" + name + "' given twice");
      }
      tags.add(new TagExtractedName.Tag(name, value));
    }
    int workers = concurrency == null ? Runtime.getRuntime().availableProcessors() : concurrency;
    Duration drainTime = Duration.ofSeconds(drainTimeSeconds);
    return new ProxyOptions(
        workers,
        drainTime,
        TimeSources.SYSTEM,
        XdsTransport.PLAINTEXT,
        strategy,
        restartEpoch == null ? 0 : restartEpoch,
        rejectUnknownDynamicFields
            ? UnknownDynamicFields.REJECT
            : ignoreUnknownDynamicFields ? UnknownDynamicFields.IGNORE : UnknownDynamicFields.WARN,
        tags,
        Optional.ofNullable(adminAddressPath),
        commandLine(workers, drainTime));
  }

  /** The flags as Envoy's {@code /server_info} reports them. */
  private CommandLineOptions commandLine(int workers, Duration drainTime) {
    CommandLineOptions.Builder b =
        CommandLineOptions.newBuilder()
            .setConcurrency(workers)
            .setConfigPath(configPath == null ? "" : configPath.toString())
            .setConfigYaml(configYaml == null ? "" : configYaml)
            .setAllowUnknownStaticFields(allowUnknownStaticFields)
            .setRejectUnknownDynamicFields(rejectUnknownDynamicFields)
            .setIgnoreUnknownDynamicFields(ignoreUnknownDynamicFields)
            .setAdminAddressPath(adminAddressPath == null ? "" : adminAddressPath.toString())
            .setLocalAddressIpVersion(
                "v6".equals(localAddressIpVersion)
                    ? CommandLineOptions.IpVersion.v6
                    : CommandLineOptions.IpVersion.v4)
            .setLogLevel(logLevel)
            .setComponentLogLevel(componentLogLevel == null ? "" : componentLogLevel)
            .setLogFormat(ProxyLogging.formatFlag(this))
            .setLogFormatEscaped(logFormatEscaped)
            .setLogPath(logPath == null ? "" : logPath.toString())
            .setServiceCluster(serviceCluster == null ? "" : serviceCluster)
            .setServiceNode(serviceNode == null ? "" : serviceNode)
            .setServiceZone(serviceZone == null ? "" : serviceZone)
            .setDrainTime(
                com.google.protobuf.Duration.newBuilder().setSeconds(drainTime.toSeconds()))
            .setDrainStrategy(
                drainStrategy.equals("immediate")
                    ? CommandLineOptions.DrainStrategy.Immediate
                    : CommandLineOptions.DrainStrategy.Gradual)
            .setMode(
                switch (mode) {
                  case "validate" -> CommandLineOptions.Mode.Validate;
                  case "init_only" -> CommandLineOptions.Mode.InitOnly;
                  default -> CommandLineOptions.Mode.Serve;
                })
            .setDisableHotRestart(disableHotRestart)
            .setEnableMutexTracing(enableMutexTracing)
            .setRestartEpoch(restartEpoch == null ? 0 : restartEpoch.intValue())
            .setCpusetThreads(cpusetThreads)
            .setEnableFineGrainLogging(enableFineGrainLogging)
            .setEnableCoreDump(enableCoreDump)
            .addAllStatsTag(statsTags)
            .setSkipDeprecatedLogs(skipDeprecatedLogs)
            .setUseDynamicBaseId(useDynamicBaseId)
            .setBaseIdPath(baseIdPath == null ? "" : baseIdPath.toString())
            .setSkipHotRestartOnNoParent(skipHotRestartOnNoParent)
            .setSkipHotRestartParentStats(skipHotRestartParentStats);
    if (baseId != null) {
      b.setBaseId(baseId);
    }
    if (disableExtensions != null) {
      b.addAllDisabledExtensions(List.of(disableExtensions.split(",")));
    }
    if (fileFlushIntervalMsec != null) {
      b.setFileFlushInterval(com.google.protobuf.util.Durations.fromMillis(fileFlushIntervalMsec));
    }
    if (parentShutdownTimeSeconds != null) {
      b.setParentShutdownTime(
          com.google.protobuf.Duration.newBuilder().setSeconds(parentShutdownTimeSeconds));
    }
    if (socketPath != null) {
      b.setSocketPath(socketPath);
    }
    return b.build();
  }

  /** Names every Envoy-only flag that was given, once, and why it changes nothing here. */
  private void logNoOps() {
    noOp(
        disableHotRestart || restartEpoch != null || parentShutdownTimeSeconds != null,
        "--disable-hot-restart/--restart-epoch/--parent-shutdown-time-s",
        "Attaché never hot-restarts; a new process replaces the old one");
    noOp(
        baseId != null
            || useDynamicBaseId
            || baseIdPath != null
            || socketPath != null
            || socketMode != null
            || skipHotRestartOnNoParent
            || skipHotRestartParentStats,
        "--base-id/--use-dynamic-base-id/--base-id-path/--socket-*/--skip-hot-restart-*",
        "there is no hot-restart shared memory or socket");
    noOp(
        fileFlushIntervalMsec != null || fileFlushMinSizeKb != null,
        "--file-flush-interval-msec/--file-flush-min-size-kb",
        "access logs are written as soon as their queue runs empty");
    noOp(
        localAddressIpVersion != null,
        "--local-address-ip-version",
        "the proxy reports no local address of its own");
    noOp(
        !drainStrategy.equals("gradual"),
        "--drain-strategy",
        "responses do not yet ask connections to close while draining; they close when"
            + " --drain-time-s is over");
    noOp(enableCoreDump, "--enable-core-dump", "the JVM's own settings decide about core files");
    noOp(enableMutexTracing, "--enable-mutex-tracing", "use JFR for lock contention");
    noOp(
        disableExtensions != null,
        "--disable-extensions",
        "a config naming an extension Attaché lacks is refused anyway");
  }

  private static void noOp(boolean given, String flags, String why) {
    if (given) {
      log.info("{}: accepted, no effect: {}", flags, why);
    }
  }

  private Bootstrap loadBootstrap(AtomicLong unknownStaticFields) throws ConfigException {
    if (configPath == null && configYaml == null) {
      throw new ConfigException("", "give a bootstrap with -c/--config-path or --config-yaml");
    }
    BootstrapLoader.UnknownFields unknown =
        allowUnknownStaticFields
            ? path -> {
              unknownStaticFields.incrementAndGet();
              log.warn("{}: unknown field, dropped (--allow-unknown-static-fields)", path);
            }
            : BootstrapLoader.UnknownFields.REJECT;
    Bootstrap.Builder b = Bootstrap.newBuilder();
    if (configPath != null) {
      b.mergeFrom(BootstrapLoader.load(configPath, unknown));
    }
    if (configYaml != null) {
      b.mergeFrom(BootstrapLoader.parse(configYaml, false, unknown));
    }
    if (serviceNode != null) {
      b.getNodeBuilder().setId(serviceNode);
    }
    if (serviceCluster != null) {
      b.getNodeBuilder().setCluster(serviceCluster);
    }
    if (serviceZone != null) {
      b.getNodeBuilder().getLocalityBuilder().setZone(serviceZone);
    }
    return b.build();
  }

  private String describeSource() {
    return configPath != null ? configPath.toString() : "--config-yaml";
  }

  public static void main(String[] args) {
    leakDetectionOverride(System.getProperty("io.netty.leakDetection.level"))
        .ifPresent(ResourceLeakDetector::setLevel);
    System.exit(new CommandLine(new ProxyMain()).execute(args));
  }

  /**
   * Netty's buffer leak detector in the shipped proxy: off unless {@code
   * -Dio.netty.leakDetection.level} asks for a level. Netty's default samples one buffer in 128 and
   * cost 1.2 % of the proxy's CPU under load (docs/benchmarks.md); a level on the command line is
   * left to Netty, which reads it itself. Tests that start {@code ProxyServer} inside their own JVM
   * keep Netty's default.
   */
  static Optional<ResourceLeakDetector.Level> leakDetectionOverride(String configured) {
    return configured == null ? Optional.of(ResourceLeakDetector.Level.DISABLED) : Optional.empty();
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Attaché proxy " + io.attache.api.BuildVersion.get()};
    }
  }
}
