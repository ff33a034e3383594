package io.attache.controlplane.interop;

import io.attache.controlplane.interop.matrix.InteropColumn;
import io.attache.controlplane.testing.ThreadDumps;
import io.grpc.CallOptions;
import io.grpc.ClientInterceptors;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.internal.GrpcUtil;
import io.grpc.internal.JsonParser;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * grpc-java in the test JVM, one channel per target: either a proxyless client of the control plane
 * (io.grpc:grpc-xds, {@code xds:///<target>}, a bootstrap and node of its own) or a plain gRPC
 * client that reaches the target through a proxy's listener with {@code :authority <target>} (the
 * Envoy and Attaché columns).
 *
 * <p>The proxyless bootstrap is handed to each channel through {@link
 * XdsNameResolverProvider#createForTest} rather than GRPC_XDS_BOOTSTRAP / io.grpc.xds.bootstrap:
 * those are process-global and grpc-java's default XdsClient pool reads them once per JVM, so two
 * tests could not have two node ids. With a bootstrap override grpc-java 1.85 gives the resolver a
 * pool of its own, so every channel here has its own XdsClient and ADS stream, closed with it.
 */
final class GrpcJavaClient implements ClientUnderTest {

  static final String VERSION = "grpc-java " + GrpcUtil.IMPLEMENTATION_VERSION;

  private final InteropColumn column;
  private final String version;
  private final String nodeId;
  private final Function<String, ManagedChannel> newChannel;
  private final AutoCloseable proxy;
  private final Map<String, ManagedChannel> channels = new LinkedHashMap<>();

  private GrpcJavaClient(
      InteropColumn column,
      String version,
      String nodeId,
      Function<String, ManagedChannel> newChannel,
      AutoCloseable proxy) {
    this.column = column;
    this.version = version;
    this.nodeId = nodeId;
    this.newChannel = newChannel;
    this.proxy = proxy;
  }

  /** A proxyless grpc-java client with its bootstrap in {@code dir}. */
  @SuppressWarnings("unchecked")
  static GrpcJavaClient proxyless(String nodeId, int xdsPort, Path dir) throws IOException {
    ProxylessBootstrap.write(dir, nodeId, "interop-grpc-java", xdsPort);
    Map<String, ?> bootstrap =
        (Map<String, ?>)
            JsonParser.parse(ProxylessBootstrap.json(nodeId, "interop-grpc-java", xdsPort));
    return new GrpcJavaClient(
        InteropColumn.GRPC_JAVA,
        VERSION,
        nodeId,
        // NettyChannelBuilder.forTarget, not Grpc.newChannelBuilder: the latter picks its name
        // resolver from the global registry up front, so the per-channel one would be ignored.
        target ->
            NettyChannelBuilder.forTarget("xds:///" + target, InsecureChannelCredentials.create())
                .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrap))
                .build(),
        () -> {});
  }

  /**
   * A plain grpc-java client of a proxy's listener on 127.0.0.1:{@code port}; {@code nodeId} and
   * {@code version} are the proxy's, since the proxy is what the control plane feeds. Closing the
   * client closes {@code proxy} after its channels.
   */
  static GrpcJavaClient through(
      InteropColumn column, String version, String nodeId, int port, AutoCloseable proxy) {
    return new GrpcJavaClient(
        column,
        version,
        nodeId,
        target ->
            NettyChannelBuilder.forAddress("127.0.0.1", port)
                .usePlaintext()
                .overrideAuthority(target)
                .build(),
        proxy);
  }

  @Override
  public InteropColumn column() {
    return column;
  }

  @Override
  public String version() {
    return version;
  }

  @Override
  public String nodeId() {
    return nodeId;
  }

  /** The channel to {@code target}, created on first use and kept until {@link #close()}. */
  ManagedChannel channel(String target) {
    return channels.computeIfAbsent(target, newChannel);
  }

  @Override
  public List<CallOutcome> call(
      String target, String method, Map<String, String> headers, int count) {
    ManagedChannel channel = channel(target);
    MethodDescriptor<byte[], byte[]> descriptor = TestBackend.method(method);
    String[] pairs =
        headers.entrySet().stream()
            .flatMap(e -> java.util.stream.Stream.of(e.getKey(), e.getValue()))
            .toArray(String[]::new);
    List<CallOutcome> outcomes = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      outcomes.add(call(channel, descriptor, pairs));
    }
    return outcomes;
  }

  /**
   * One unary call with a 10 s deadline (the first call of a proxyless channel waits for LDS, RDS,
   * CDS and EDS); never throws for an RPC failure, returns it.
   */
  static CallOutcome call(
      ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, String... headers) {
    Metadata metadata = new Metadata();
    for (int i = 0; i < headers.length; i += 2) {
      metadata.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
    }
    // A future with a bounded wait, not blockingUnaryCall: under heavy load grpc-java has been
    // seen to leave a call open well past its deadline (and past a cancel), which blocked the
    // calling thread forever. Such a call is reported as an outcome of its own, and fails the test.
    // The channel's own executor, not a direct one: with callbacks on the event loop, a call
    // started while an endpoint was being removed twice never completed (load average ~25).
    // The call's trace, grpc-java's state of it and every thread's stack are printed when it is
    // still open 20 s after it started (docs/testing.md, the GrpcJavaProxylessIT flake).
    GrpcCallTrace trace = new GrpcCallTrace();
    var reply =
        ClientCalls.futureUnaryCall(
            ClientInterceptors.intercept(
                    channel, MetadataUtils.newAttachHeadersInterceptor(metadata), trace)
                .newCall(method, CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS)),
            new byte[0]);
    try {
      return CallOutcome.answeredBy(
          new String(reply.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } catch (ExecutionException e) {
      Status status = Status.fromThrowable(e.getCause());
      return new CallOutcome(
          status.getCode(), "", status.getDescription() == null ? "" : status.getDescription());
    } catch (TimeoutException e) {
      System.err.printf(
          "grpc-java call not completed 20 s after it started with a 10 s deadline;"
              + " channel %s in state %s%n%s%n%nthreads:%n%s%n",
          channel, channel.getState(false), trace.describe(), ThreadDumps.all());
      reply.cancel(true);
      return new CallOutcome(Status.Code.UNKNOWN, "", "<grpc-java call never completed>");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply.cancel(true);
      return new CallOutcome(Status.Code.CANCELLED, "", "interrupted");
    }
  }

  @Override
  public void close() throws Exception {
    for (ManagedChannel channel : channels.values()) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    proxy.close();
  }
}
