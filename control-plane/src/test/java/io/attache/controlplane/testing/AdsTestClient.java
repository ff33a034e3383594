package io.attache.controlplane.testing;

import com.google.rpc.Status;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A real ADS client over gRPC (the stub from Envoy's API jar) that records every response it
 * receives; tests drive ACKs and NACKs by hand. Prints what it got when a wait times out.
 */
public final class AdsTestClient implements AutoCloseable {

  /**
   * How long a response or stream end the test expects may take: a liveness bound, never evidence
   * (nothing is inferred from its passing). The first request of a JVM translates policy cold,
   * which takes seconds on a loaded machine.
   */
  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ManagedChannel channel;
  private final Node node;
  private final Metadata headers;
  private final BlockingQueue<Throwable> errors = new LinkedBlockingQueue<>();
  private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
  private final BlockingQueue<DeltaDiscoveryResponse> deltaResponses = new LinkedBlockingQueue<>();
  private StreamObserver<DiscoveryRequest> sotw;
  private StreamObserver<DeltaDiscoveryRequest> delta;

  public AdsTestClient(int port, Node node) {
    this(
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(),
        node,
        new Metadata());
  }

  /** A client on a channel the test built (TLS, say), sending {@code headers} on every stream. */
  public AdsTestClient(ManagedChannel channel, Node node, Metadata headers) {
    this.channel = channel;
    this.node = node;
    this.headers = headers;
  }

  /**
   * A plaintext client that sends {@code authorization: Bearer <token>}, as Envoy's
   * initial_metadata does.
   */
  public static AdsTestClient withBearerToken(int port, Node node, String token) {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
    return new AdsTestClient(
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build(), node, headers);
  }

  /** How the server ended a stream of this client. */
  public io.grpc.Status nextError() throws InterruptedException {
    Throwable error = errors.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (error == null) {
      throw new AssertionError(
          "no stream error within "
              + WAIT
              + " for node "
              + node.getId()
              + "; responses: "
              + responses
              + deltaResponses);
    }
    return io.grpc.Status.fromThrowable(error);
  }

  /** Responses received so far that the test has not taken. */
  public int unreadResponses() {
    return responses.size() + deltaResponses.size();
  }

  public static Node node(String id, String cluster) {
    return Node.newBuilder().setId(id).setCluster(cluster).setUserAgentName("envoy").build();
  }

  public void request(String typeUrl, String version, String nonce, List<String> names) {
    send(
        DiscoveryRequest.newBuilder()
            .setVersionInfo(version)
            .setResponseNonce(nonce)
            .setTypeUrl(typeUrl)
            .addAllResourceNames(names));
  }

  public void ack(DiscoveryResponse response) {
    request(response.getTypeUrl(), response.getVersionInfo(), response.getNonce(), List.of());
  }

  public void ack(DiscoveryResponse response, List<String> names) {
    request(response.getTypeUrl(), response.getVersionInfo(), response.getNonce(), names);
  }

  public void nack(DiscoveryResponse response, String previousVersion, String message) {
    nack(response, previousVersion, message, List.of());
  }

  /** A NACK that names the resources still wanted, as Envoy's EDS and RDS NACKs do. */
  public void nack(
      DiscoveryResponse response, String previousVersion, String message, List<String> names) {
    send(
        DiscoveryRequest.newBuilder()
            .setVersionInfo(previousVersion)
            .setResponseNonce(response.getNonce())
            .setTypeUrl(response.getTypeUrl())
            .addAllResourceNames(names)
            .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)));
  }

  public DiscoveryResponse next() throws InterruptedException {
    DiscoveryResponse response = responses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (response == null) {
      throw new AssertionError("no DiscoveryResponse within " + WAIT + " for node " + node.getId());
    }
    return response;
  }

  public void deltaSubscribe(String typeUrl, List<String> names) {
    sendDelta(
        DeltaDiscoveryRequest.newBuilder().setTypeUrl(typeUrl).addAllResourceNamesSubscribe(names));
  }

  public void deltaAck(DeltaDiscoveryResponse response) {
    sendDelta(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce()));
  }

  public void deltaNack(DeltaDiscoveryResponse response, String message) {
    sendDelta(
        DeltaDiscoveryRequest.newBuilder()
            .setTypeUrl(response.getTypeUrl())
            .setResponseNonce(response.getNonce())
            .setErrorDetail(Status.newBuilder().setCode(3).setMessage(message)));
  }

  public DeltaDiscoveryResponse nextDelta() throws InterruptedException {
    DeltaDiscoveryResponse response = deltaResponses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    if (response == null) {
      throw new AssertionError(
          "no DeltaDiscoveryResponse within " + WAIT + " for node " + node.getId());
    }
    return response;
  }

  private synchronized void send(DiscoveryRequest.Builder request) {
    if (sotw == null) {
      sotw = stub().streamAggregatedResources(recorder(responses, errors));
      request.setNode(node);
    }
    sotw.onNext(request.build());
  }

  private synchronized void sendDelta(DeltaDiscoveryRequest.Builder request) {
    if (delta == null) {
      delta = stub().deltaAggregatedResources(recorder(deltaResponses, errors));
      request.setNode(node);
    }
    delta.onNext(request.build());
  }

  private AggregatedDiscoveryServiceGrpc.AggregatedDiscoveryServiceStub stub() {
    return AggregatedDiscoveryServiceGrpc.newStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static <T> StreamObserver<T> recorder(
      BlockingQueue<T> into, BlockingQueue<Throwable> errors) {
    return new StreamObserver<>() {
      @Override
      public void onNext(T value) {
        into.add(value);
      }

      @Override
      public void onError(Throwable t) {
        errors.add(t);
      }

      @Override
      public void onCompleted() {}
    };
  }

  @Override
  public void close() {
    if (sotw != null) {
      sotw.onCompleted();
    }
    if (delta != null) {
      delta.onCompleted();
    }
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
