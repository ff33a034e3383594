package io.attache.dataplane.cli;

import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.envoyproxy.envoy.config.bootstrap.v3.Bootstrap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code attache proxy}: the data-plane proxy's command line, with Envoy's flag names where a flag
 * means the same thing. Exits 1 on a config it cannot honour, 0 after a clean drain on SIGTERM.
 */
@Command(
    name = "attache proxy",
    mixinStandardHelpOptions = true,
    versionProvider = ProxyMain.Version.class,
    description = "Runs the Attaché data-plane proxy from an Envoy v3 bootstrap (YAML or JSON).")
public final class ProxyMain implements Callable<Integer> {

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
      description = "serve (default) or validate: check the config and exit.")
  String mode;

  @Option(names = "--concurrency", description = "Worker event loops (default: number of CPUs).")
  Integer concurrency;

  @Option(
      names = "--drain-time-s",
      defaultValue = "5",
      description =
          "On SIGTERM, seconds to let in-flight requests finish (default ${DEFAULT-VALUE}).")
  long drainTimeSeconds;

  @Option(
      names = "--service-node",
      description = "Overrides node.id of the bootstrap (as Envoy's --service-node).")
  String serviceNode;

  @Option(
      names = "--service-cluster",
      description = "Overrides node.cluster of the bootstrap (as Envoy's --service-cluster).")
  String serviceCluster;

  @Override
  public Integer call() {
    Bootstrap bootstrap;
    try {
      bootstrap = loadBootstrap();
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("attache proxy: invalid config: " + e.getMessage());
      return 1;
    }
    ProxyOptions options =
        new ProxyOptions(
            concurrency == null ? Runtime.getRuntime().availableProcessors() : concurrency,
            Duration.ofSeconds(drainTimeSeconds));
    if (mode.equals("validate")) {
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
    if (!mode.equals("serve")) {
      spec.commandLine().getErr().println("attache proxy: --mode must be serve or validate");
      return 2;
    }
    ProxyServer server;
    try {
      server = ProxyServer.start(bootstrap, options);
    } catch (ConfigException e) {
      spec.commandLine().getErr().println("attache proxy: invalid config: " + e.getMessage());
      return 1;
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

  private Bootstrap loadBootstrap() throws ConfigException {
    if (configPath == null && configYaml == null) {
      throw new ConfigException("", "give a bootstrap with -c/--config-path or --config-yaml");
    }
    Bootstrap.Builder b = Bootstrap.newBuilder();
    if (configPath != null) {
      b.mergeFrom(BootstrapLoader.load(configPath));
    }
    if (configYaml != null) {
      b.mergeFrom(BootstrapLoader.parse(configYaml, false));
    }
    if (serviceNode != null) {
      b.getNodeBuilder().setId(serviceNode);
    }
    if (serviceCluster != null) {
      b.getNodeBuilder().setCluster(serviceCluster);
    }
    return b.build();
  }

  private String describeSource() {
    return configPath != null ? configPath.toString() : "--config-yaml";
  }

  public static void main(String[] args) {
    System.exit(new CommandLine(new ProxyMain()).execute(args));
  }

  /** {@code --version}: the version this build was made as. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Attaché proxy " + io.attache.api.BuildVersion.get()};
    }
  }
}
