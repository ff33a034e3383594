package io.attache.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.MeshNodes;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The xDS port over TLS: who may talk to it, and as whom. */
class XdsTlsTest {

  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String SDS = Resources.V3.SECRET_TYPE_URL;
  private static final SpiffeId ORDERS = new SpiffeId("attache.local", "shop", "orders");
  private static final SpiffeId USERS = new SpiffeId("attache.local", "shop", "users");

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;

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
                    Duration.ofMillis(200))
                .withSecurity(
                    new ControlPlaneConfig.Security(
                        "attache.local",
                        Optional.empty(),
                        Duration.ofHours(24),
                        true,
                        List.of("localhost", "127.0.0.1"))),
            scheduler,
            Clock.systemUTC());
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  private ManagedChannel channel(Optional<IssuedCertificate> clientCertificate) throws Exception {
    SslContextBuilder tls =
        GrpcSslContexts.forClient().trustManager(controlPlane.certificates().authority().root());
    clientCertificate.ifPresent(
        c -> tls.keyManager(c.privateKey(), c.chain().toArray(X509Certificate[]::new)));
    return NettyChannelBuilder.forAddress("127.0.0.1", controlPlane.xdsPort())
        .sslContext(tls.build())
        .build();
  }

  private IssuedCertificate issue(SpiffeId identity) {
    return controlPlane.certificates().authority().issueWorkload(identity, Duration.ofHours(1));
  }

  @Test
  void aProxyWithACaIssuedClientCertificateIsServedAsItsIdentity() throws Exception {
    try (AdsTestClient proxy =
        new AdsTestClient(
            channel(Optional.of(issue(ORDERS))),
            MeshNodes.inShop("orders-1", "orders"),
            new Metadata())) {
      proxy.request(CDS, "", "", List.of());
      assertThat(proxy.next().getTypeUrl()).isEqualTo(CDS);

      proxy.request(SDS, "", "", List.of("default"));
      DiscoveryResponse secrets = proxy.next();
      assertThat(secrets.getResourcesCount()).isEqualTo(1);
      assertThat(controlPlane.proxies().proxy("orders-1").orElseThrow().identity())
          .isEqualTo(ORDERS.uri());
    }
  }

  @Test
  void aProxyWithoutCertificateOrTokenIsRefused() throws Exception {
    try (AdsTestClient proxy =
        new AdsTestClient(
            channel(Optional.empty()), MeshNodes.inShop("orders-1", "orders"), new Metadata())) {
      proxy.request(CDS, "", "", List.of());

      assertThat(proxy.nextError().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(proxy.unreadResponses()).isZero();
      assertThat(controlPlane.refusals().recent())
          .singleElement()
          .satisfies(r -> assertThat(r.reason()).contains("requires one"));
    }
  }

  @Test
  void aClientCertificateOfAnotherIdentityCannotClaimThisOne() throws Exception {
    try (AdsTestClient proxy =
        new AdsTestClient(
            channel(Optional.of(issue(USERS))),
            MeshNodes.inShop("users-1", "orders"),
            new Metadata())) {
      proxy.request(SDS, "", "", List.of());

      assertThat(proxy.nextError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(proxy.unreadResponses()).isZero();
    }
  }

  @Test
  void aBootstrapTokenOverTlsServesAProxyThatHasNoCertificateYet() throws Exception {
    String token = controlPlane.bootstrapTokens().issue(ORDERS).token();
    Metadata headers = new Metadata();
    headers.put(
        Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);

    try (AdsTestClient proxy =
        new AdsTestClient(
            channel(Optional.empty()), MeshNodes.inShop("orders-1", "orders"), headers)) {
      proxy.request(SDS, "", "", List.of("default", "ROOTCA"));

      assertThat(proxy.next().getResourcesCount()).isEqualTo(2);
    }
  }

  @Test
  void theServerCertificateNamesTheControlPlaneAndTheDialledAddresses() throws Exception {
    // A client that checks the server's name against 127.0.0.1 got through above; here the names.
    IssuedCertificate server =
        controlPlane
            .certificates()
            .authority()
            .issueServer(
                new SpiffeId("attache.local", XdsServerTls.NAMESPACE, XdsServerTls.SERVICE_ACCOUNT),
                List.of("localhost", "127.0.0.1"),
                Duration.ofHours(1));

    assertThat(server.leaf().getSubjectAlternativeNames())
        .containsExactlyInAnyOrder(
            List.of(6, "spiffe://attache.local/ns/attache-system/sa/control-plane"),
            List.of(2, "localhost"),
            List.of(7, "127.0.0.1"));
  }
}
