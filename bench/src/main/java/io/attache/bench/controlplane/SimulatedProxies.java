package io.attache.bench.controlplane;

import io.envoyproxy.envoy.config.core.v3.Node;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The child process of {@code ./attache bench control-plane}: N simulated proxies, each on its own
 * ADS stream to the control plane, so the control plane's JVM pays for nothing but serving them.
 * Talks to the harness in lines ({@link ChildMessage} on stdout, {@code ARM} / {@code QUIT} on
 * stdin) and exits when its stdin closes, so it never outlives the harness.
 */
@Command(name = "simulated-proxies", mixinStandardHelpOptions = true)
public final class SimulatedProxies implements Callable<Integer> {

  @Option(
      names = "--port",
      required = true,
      split = ",",
      description = "the control plane's xDS port; several replicas: proxy i takes port i mod n")
  List<Integer> ports;

  @Option(names = "--proxies", required = true)
  int proxies;

  @Option(names = "--api", required = true, converter = ApiConverter.class)
  Api api;

  @Option(names = "--proxies-per-connection", defaultValue = "1")
  int proxiesPerConnection;

  @Option(names = "--node-groups", defaultValue = "8")
  int nodeGroups;

  @Option(
      names = "--connect-batch",
      defaultValue = "500",
      description = "streams opened before waiting for their initial config")
  int connectBatch;

  @Option(names = "--connect-timeout-s", defaultValue = "300")
  int connectTimeoutSeconds;

  private final PrintStream out = System.out;

  public static void main(String[] args) {
    System.exit(new CommandLine(new SimulatedProxies()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    RoundTracker tracker = new RoundTracker(proxies, this::say);
    List<ManagedChannel> channels = new ArrayList<>();
    List<SimulatedProxy> all = new ArrayList<>(proxies);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(connectTimeoutSeconds);
      for (int i = 0; i < proxies; i++) {
        if (i % proxiesPerConnection == 0) {
          channels.add(
              NettyChannelBuilder.forAddress("127.0.0.1", ports.get(channels.size() % ports.size()))
                  .usePlaintext()
                  .directExecutor()
                  .maxInboundMessageSize(64 << 20)
                  .build());
        }
        Node node =
            Node.newBuilder().setId("bench-" + i).setCluster("team-" + (i % nodeGroups)).build();
        SimulatedProxy proxy = SimulatedProxy.of(api, node, tracker);
        all.add(proxy);
        proxy.start(channels.get(channels.size() - 1));
        boolean batchEnd = (i + 1) % connectBatch == 0 || i + 1 == proxies;
        if (batchEnd && !tracker.awaitReady(i + 1, deadline - System.nanoTime())) {
          say(
              ChildMessage.failed(
                  tracker.notReady()
                      + " proxies still without their initial config after "
                      + connectTimeoutSeconds
                      + " s"));
          return 1;
        }
      }
      say(ChildMessage.ready(proxies));
      BufferedReader commands =
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = commands.readLine()) != null && !line.equals("QUIT"); ) {
        if (line.equals("ARM")) {
          tracker.arm();
          all.forEach(SimulatedProxy::arm);
          say(ChildMessage.armed());
        }
      }
      return 0;
    } finally {
      tracker.closing();
      channels.forEach(ManagedChannel::shutdownNow);
    }
  }

  private void say(ChildMessage message) {
    synchronized (out) {
      out.println(message.line());
      out.flush();
    }
  }

  /** Lets {@code --api} take the lower-case labels the harness passes. */
  static final class ApiConverter implements CommandLine.ITypeConverter<Api> {
    @Override
    public Api convert(String value) {
      return Api.parse(value);
    }
  }
}
