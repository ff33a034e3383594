package io.attache.controlplane.interop;

import io.attache.controlplane.testing.ThreadDumps;
import io.grpc.CallOptions;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.internal.JsonParser;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.MetadataUtils;
import io.grpc.xds.XdsNameResolverProvider;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * grpc-java (io.grpc:grpc-xds) as an ordinary proxyless client of the control plane: a bootstrap
 * file of its own (own node id), and channels to {@code xds:///<service>}.
 *
 * <p>The bootstrap is handed to each channel through {@link XdsNameResolverProvider#createForTest}
 * rather than GRPC_XDS_BOOTSTRAP / io.grpc.xds.bootstrap: those are process-global and grpc-java's
 * default XdsClient pool reads them once per JVM, so two tests could not have two node ids. With a
 * bootstrap override grpc-java 1.85 gives the resolver a pool of its own, so every channel here has
 * its own XdsClient and ADS stream, closed with the channel.
 */
final class ProxylessGrpcClient implements AutoCloseable {

  /** What one RPC came back with: its status and, when it succeeded, the backend that answered. */
  record Outcome(Status.Code code, String backend) {
    boolean ok() {
      return code == Status.Code.OK;
    }
  }

  private final String nodeId;
  private final Path bootstrap;
  private final Map<String, ?> bootstrapJson;
  private final List<ManagedChannel> channels = new ArrayList<>();

  @SuppressWarnings("unchecked")
  ProxylessGrpcClient(String nodeId, int xdsPort, Path dir) throws IOException {
    this.nodeId = nodeId;
    String json =
        "{\n"
            + "  \"xds_servers\": [{\n"
            + "    \"server_uri\": \"127.0.0.1:"
            + xdsPort
            + "\",\n"
            + "    \"channel_creds\": [{\"type\": \"insecure\"}],\n"
            + "    \"server_features\": [\"xds_v3\"]\n"
            + "  }],\n"
            + "  \"node\": {\"id\": \""
            + nodeId
            + "\", \"cluster\": \"interop-grpc-java\", \"locality\": {\"zone\": \"test\"}}\n"
            + "}\n";
    this.bootstrap = Files.writeString(dir.resolve(nodeId + "-bootstrap.json"), json);
    this.bootstrapJson = (Map<String, ?>) JsonParser.parse(Files.readString(bootstrap));
  }

  String nodeId() {
    return nodeId;
  }

  Path bootstrapFile() {
    return bootstrap;
  }

  ManagedChannel channel(String service) {
    ManagedChannel channel =
        // NettyChannelBuilder.forTarget, not Grpc.newChannelBuilder: the latter picks its name
        // resolver from the global registry up front, so the per-channel one would be ignored.
        NettyChannelBuilder.forTarget("xds:///" + service, InsecureChannelCredentials.create())
            .nameResolverFactory(XdsNameResolverProvider.createForTest("xds", bootstrapJson))
            .build();
    channels.add(channel);
    return channel;
  }

  /**
   * One unary call with a 10 s deadline (the first call of a channel waits for LDS, RDS, CDS and
   * EDS); never throws for an RPC failure, returns it.
   */
  static Outcome call(
      ManagedChannel channel, MethodDescriptor<byte[], byte[]> method, String... headers) {
    Metadata metadata = new Metadata();
    for (int i = 0; i < headers.length; i += 2) {
      metadata.put(Metadata.Key.of(headers[i], Metadata.ASCII_STRING_MARSHALLER), headers[i + 1]);
    }
    // A future with a bounded wait, not blockingUnaryCall: a call that outlives its deadline by
    // far is reported as an outcome of its own (with its trace and every thread's stack), and
    // fails the test instead of blocking the calling thread forever.
    GrpcCallTrace trace = new GrpcCallTrace();
    var reply =
        ClientCalls.futureUnaryCall(
            io.grpc.ClientInterceptors.intercept(
                    channel, MetadataUtils.newAttachHeadersInterceptor(metadata), trace)
                .newCall(
                    method,
                    CallOptions.DEFAULT
                        .withDeadlineAfter(10, TimeUnit.SECONDS)
                        .withExecutor(Runnable::run)),
            new byte[0]);
    return outcome(reply, channel, trace);
  }

  private static Outcome outcome(
      com.google.common.util.concurrent.ListenableFuture<byte[]> reply,
      ManagedChannel channel,
      GrpcCallTrace trace) {
    try {
      return new Outcome(
          Status.Code.OK, new String(reply.get(20, TimeUnit.SECONDS), StandardCharsets.UTF_8));
    } catch (java.util.concurrent.ExecutionException e) {
      return new Outcome(Status.fromThrowable(e.getCause()).getCode(), "");
    } catch (java.util.concurrent.TimeoutException e) {
      System.err.printf(
          "grpc-java call not completed 20 s after it started with a 10 s deadline;"
              + " channel %s in state %s%n%s%n%nthreads:%n%s%n",
          channel, channel.getState(false), trace.describe(), ThreadDumps.all());
      reply.cancel(true);
      return new Outcome(Status.Code.UNKNOWN, "<grpc-java call never completed>");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      reply.cancel(true);
      return new Outcome(Status.Code.CANCELLED, "");
    }
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
