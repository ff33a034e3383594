package io.attache.controlplane.xds;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.interop.TcpRelay;
import io.attache.controlplane.testing.RestClient;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.service.discovery.v3.AggregatedDiscoveryServiceGrpc;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryRequest;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an xDS stream can end — refused for an unknown type, cancelled, its client gone without
 * a word, half-closed, refused secrets or a bad token — leaves nothing behind in the control plane:
 * no tracker entry (so nothing in {@code /api/v1/proxies}) and no node-group snapshot. Real gRPC
 * clients against the real control plane; the gauges in {@code /metrics} are the evidence.
 */
class XdsStreamEndingsTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String SDS = Resources.V3.SECRET_TYPE_URL;
  private static final String UNKNOWN_TYPE = "type.googleapis.com/attache.test.NoSuchResource";
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private final List<ManagedChannel> channels = new ArrayList<>();
  private ControlPlane controlPlane;
  private RestClient rest;

  @BeforeEach
  void start() throws Exception {
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                "127.0.0.1",
                0,
                "127.0.0.1",
                0,
                dataDir,
                Duration.ofMillis(20),
                Duration.ofMillis(200)),
            scheduler,
            Clock.systemUTC());
    rest = new RestClient(controlPlane.httpPort());
    assertThat(
            rest.put(
                    "/api/v1/services/orders",
                    "{\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}")
                .statusCode())
        .isEqualTo(201);
  }

  @AfterEach
  void stop() throws InterruptedException {
    for (ManagedChannel channel : channels) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void anUnknownTypeOnTheFirstRequestIsRefusedWithInvalidArgumentNamingTheType() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());

    stream.send(request(node("probe-1", "probe"), UNKNOWN_TYPE));

    Status status = stream.ended();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains(UNKNOWN_TYPE);
  }

  @Test
  void twoHundredStreamsWithAnUnknownTypeLeaveNoEntryAndNoSnapshotBehind() throws Exception {
    ManagedChannel channel = channel(controlPlane.xdsPort());
    List<SotwStream> streams = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      SotwStream stream = sotw(channel, new Metadata());
      stream.send(request(node("probe-" + i, "probe-" + i), UNKNOWN_TYPE));
      streams.add(stream);
    }

    for (SotwStream stream : streams) {
      assertThat(stream.ended().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    }
    awaitNothingLeft();
    assertThat(RestClient.json(rest.get("/api/v1/proxies")).get("items")).isEmpty();
  }

  @Test
  void anUnknownTypeOnALaterRequestEndsTheStreamAndReleasesWhatItHeld() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());
    stream.send(request(node("later-1", "later"), CDS));
    stream.next();
    assertThat(gauge("attache_cp_xds_node_groups")).isEqualTo(1);

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(UNKNOWN_TYPE).build());

    assertThat(stream.ended().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    awaitNothingLeft();
  }

  @Test
  void anEmptyTypeOnADeltaAdsStreamIsRefusedAndLeavesNothing() throws Exception {
    DeltaStream stream = delta(channel(controlPlane.xdsPort()));

    stream.send(DeltaDiscoveryRequest.newBuilder().setNode(node("delta-1", "delta")).build());

    Status status = stream.ended();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("type_url");
    awaitNothingLeft();
  }

  @Test
  void aStreamTheClientCancelsLeavesNothing() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());
    stream.send(request(node("cancel-1", "cancel"), CDS));
    stream.next();
    await().atMost(WAIT).until(() -> gauge("attache_cp_xds_streams") == 1);

    stream.cancel();

    awaitNothingLeft();
  }

  @Test
  void aStreamTheClientHalfClosesLeavesNothing() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());
    stream.send(request(node("done-1", "done"), CDS));
    stream.next();

    stream.halfClose();

    assertThat(stream.ended().getCode()).isEqualTo(Status.Code.OK);
    awaitNothingLeft();
  }

  @Test
  void aClientWhoseConnectionVanishesLeavesNothing() throws Exception {
    try (TcpRelay wire = TcpRelay.to(controlPlane.xdsPort())) {
      SotwStream stream = sotw(channel(wire.port()), new Metadata());
      stream.send(request(node("gone-1", "gone"), CDS));
      stream.next();
      await().atMost(WAIT).until(() -> gauge("attache_cp_xds_streams") == 1);

      // The TCP connection closes under both ends: no RST_STREAM, no GOAWAY, no half-close.
      wire.close();

      awaitNothingLeft();
    }
  }

  @Test
  void aStreamRefusedSecretsLeavesNothing() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());

    stream.send(request(node("sds-1", "sds"), SDS));

    assertThat(stream.ended().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    awaitNothingLeft();
  }

  @Test
  void aStreamRefusedForAnUnknownBearerTokenLeavesNothing() throws Exception {
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer atk_nobody");
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), headers);

    stream.send(request(node("token-1", "token"), CDS));

    assertThat(stream.ended().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    awaitNothingLeft();
  }

  @Test
  void nodeMetadataOverTheCapIsRefusedWithResourceExhaustedNamingTheCapAndLeavesNothing()
      throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());

    stream.send(
        request(nodeWithMetadataOf("big-1", XdsLimits.DEFAULT_MAX_NODE_METADATA_BYTES + 1), CDS));

    Status status = stream.ended();
    assertThat(status.getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(status.getDescription())
        .isEqualTo(
            "node metadata is 65537 bytes; this control plane accepts at most 65536"
                + " (--max-node-metadata-bytes)");
    awaitNothingLeft();
    assertThat(controlPlane.refusals().recent())
        .extracting(RefusalLog.Refusal::nodeId)
        .contains("big-1");
  }

  @Test
  void nodeMetadataAtTheCapIsServed() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());

    stream.send(
        request(nodeWithMetadataOf("max-1", XdsLimits.DEFAULT_MAX_NODE_METADATA_BYTES), CDS));

    assertThat(stream.next().getResourcesCount()).isEqualTo(1);
  }

  @Test
  void aLaterRequestOverTheCapEndsTheStreamAndReleasesWhatItHeld() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());
    stream.send(request(node("grow-1", "grow"), CDS));
    DiscoveryResponse clusters = stream.next();

    stream.send(
        request(nodeWithMetadataOf("grow-1", 100_000), CDS).toBuilder()
            .setVersionInfo(clusters.getVersionInfo())
            .setResponseNonce(clusters.getNonce())
            .build());

    assertThat(stream.ended().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
    awaitNothingLeft();
  }

  @Test
  void aFirstRequestWithoutANodeIsRefused() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());

    stream.send(DiscoveryRequest.newBuilder().setTypeUrl(CDS).build());

    Status status = stream.ended();
    assertThat(status.getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
    assertThat(status.getDescription()).contains("must carry the node");
    awaitNothingLeft();
  }

  @Test
  void aStreamKeepsTheNodeOfItsFirstRequest() throws Exception {
    SotwStream stream = sotw(channel(controlPlane.xdsPort()), new Metadata());
    stream.send(request(node("pinned-1", "first-cluster"), CDS));
    DiscoveryResponse clusters = stream.next();

    stream.send(
        request(node("pinned-1", "another-cluster"), CDS).toBuilder()
            .setVersionInfo(clusters.getVersionInfo())
            .setResponseNonce(clusters.getNonce())
            .build());

    await()
        .atMost(WAIT)
        .until(
            () ->
                RestClient.json(rest.get("/api/v1/proxies/pinned-1"))
                    .path("types")
                    .path(CDS)
                    .path("last_acked_version")
                    .asText()
                    .equals(clusters.getVersionInfo()));
    JsonNode proxy = RestClient.json(rest.get("/api/v1/proxies/pinned-1"));
    assertThat(proxy.get("cluster").asText()).isEqualTo("first-cluster");
    assertThat(gauge("attache_cp_xds_node_groups")).isEqualTo(1);
  }

  @Test
  void aThousandNodeGroupsThatComeAndGoLeaveNoSnapshotBehind() throws Exception {
    ManagedChannel channel = channel(controlPlane.xdsPort());
    for (int batch = 0; batch < 10; batch++) {
      List<SotwStream> streams = new ArrayList<>();
      for (int i = 0; i < 100; i++) {
        SotwStream stream = sotw(channel, new Metadata());
        stream.send(request(node("come-" + batch + "-" + i, "group-" + batch + "-" + i), CDS));
        streams.add(stream);
      }
      for (SotwStream stream : streams) {
        stream.next();
      }
      assertThat(gauge("attache_cp_xds_node_groups")).isEqualTo(100);
      streams.forEach(SotwStream::halfClose);
      for (SotwStream stream : streams) {
        assertThat(stream.ended().getCode()).isEqualTo(Status.Code.OK);
      }
    }

    awaitNothingLeft();
  }

  @Test
  void aGroupKeepsItsSnapshotWhileAnyOfItsStreamsIsOpen() throws Exception {
    ManagedChannel channel = channel(controlPlane.xdsPort());
    SotwStream leaving = sotw(channel, new Metadata());
    SotwStream staying = sotw(channel, new Metadata());
    leaving.send(request(node("web-1", "web"), CDS));
    staying.send(request(node("web-2", "web"), CDS));
    leaving.next();
    DiscoveryResponse clusters = staying.next();
    staying.send(
        DiscoveryRequest.newBuilder()
            .setTypeUrl(CDS)
            .setVersionInfo(clusters.getVersionInfo())
            .setResponseNonce(clusters.getNonce())
            .build());

    leaving.halfClose();
    assertThat(leaving.ended().getCode()).isEqualTo(Status.Code.OK);
    await().atMost(WAIT).until(() -> gauge("attache_cp_xds_streams") == 1);
    assertThat(gauge("attache_cp_xds_node_groups")).isEqualTo(1);
    assertThat(
            rest.put(
                    "/api/v1/services/users",
                    "{\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.2\",\"port\":9001}]}")
                .statusCode())
        .isEqualTo(201);

    assertThat(staying.next().getResourcesCount()).isEqualTo(2);
  }

  // ---- helpers -----------------------------------------------------------------------------

  private void awaitNothingLeft() {
    await()
        .atMost(WAIT)
        .untilAsserted(
            () -> {
              assertThat(gauge("attache_cp_xds_streams")).as("open streams").isZero();
              assertThat(gauge("attache_cp_xds_node_groups")).as("node-group snapshots").isZero();
            });
  }

  private long gauge(String name) {
    String metrics = rest.get("/metrics").body();
    // Micrometer's Prometheus registry prints every value as a float: "3.0".
    Matcher value = Pattern.compile("(?m)^" + name + " (\\d+)\\.0$").matcher(metrics);
    assertThat(value.find()).as("%s in %s", name, metrics).isTrue();
    return Long.parseLong(value.group(1));
  }

  private ManagedChannel channel(int port) {
    ManagedChannel channel =
        NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
    channels.add(channel);
    return channel;
  }

  private static Node node(String id, String cluster) {
    return Node.newBuilder().setId(id).setCluster(cluster).setUserAgentName("envoy").build();
  }

  /** A node whose metadata serialises to exactly {@code bytes} bytes. */
  private static Node nodeWithMetadataOf(String id, int bytes) {
    int filler = bytes;
    Struct metadata = filled(filler);
    for (int tries = 0; tries < 3 && metadata.getSerializedSize() != bytes; tries++) {
      filler += bytes - metadata.getSerializedSize();
      metadata = filled(filler);
    }
    assertThat(metadata.getSerializedSize()).isEqualTo(bytes);
    return node(id, "big").toBuilder().setMetadata(metadata).build();
  }

  private static Struct filled(int chars) {
    return Struct.newBuilder()
        .putFields("labels", Value.newBuilder().setStringValue("x".repeat(chars)).build())
        .build();
  }

  private static DiscoveryRequest request(Node node, String typeUrl) {
    return DiscoveryRequest.newBuilder().setNode(node).setTypeUrl(typeUrl).build();
  }

  private static SotwStream sotw(ManagedChannel channel, Metadata headers) {
    SotwStream stream = new SotwStream();
    stream.requests =
        (ClientCallStreamObserver<DiscoveryRequest>)
            AggregatedDiscoveryServiceGrpc.newStub(channel)
                .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
                .streamAggregatedResources(stream);
    return stream;
  }

  private static DeltaStream delta(ManagedChannel channel) {
    DeltaStream stream = new DeltaStream();
    stream.requests =
        AggregatedDiscoveryServiceGrpc.newStub(channel).deltaAggregatedResources(stream);
    return stream;
  }

  /** One state-of-the-world ADS stream: what it received and how it ended. */
  private static final class SotwStream implements StreamObserver<DiscoveryResponse> {
    private final BlockingQueue<DiscoveryResponse> responses = new LinkedBlockingQueue<>();
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    private ClientCallStreamObserver<DiscoveryRequest> requests;

    void send(DiscoveryRequest request) {
      requests.onNext(request);
    }

    DiscoveryResponse next() throws InterruptedException {
      DiscoveryResponse response = responses.poll(WAIT.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(response).as("a response within %s (ended: %s)", WAIT, end).isNotNull();
      return response;
    }

    void cancel() {
      requests.cancel("the test cancels", null);
    }

    void halfClose() {
      requests.onCompleted();
    }

    Status ended() throws Exception {
      return end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onNext(DiscoveryResponse response) {
      responses.add(response);
    }

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }

  /** One delta ADS stream: how it ended. */
  private static final class DeltaStream implements StreamObserver<DeltaDiscoveryResponse> {
    private final CompletableFuture<Status> end = new CompletableFuture<>();
    private StreamObserver<DeltaDiscoveryRequest> requests;

    void send(DeltaDiscoveryRequest request) {
      requests.onNext(request);
    }

    Status ended() throws Exception {
      return end.get(WAIT.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void onNext(DeltaDiscoveryResponse response) {}

    @Override
    public void onError(Throwable t) {
      end.complete(Status.fromThrowable(t));
    }

    @Override
    public void onCompleted() {
      end.complete(Status.OK);
    }
  }
}
