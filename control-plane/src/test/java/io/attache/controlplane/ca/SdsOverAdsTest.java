package io.attache.controlplane.ca;

import static io.attache.controlplane.testing.Policies.policy;
import static io.attache.controlplane.testing.Policies.service;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Value;
import io.attache.controlplane.identity.CertificateInfo;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.ManualScheduler;
import io.attache.controlplane.testing.MeshNodes;
import io.attache.controlplane.testing.MutableClock;
import io.attache.controlplane.translate.ProxyGroup;
import io.attache.controlplane.translate.SnapshotTranslator;
import io.attache.controlplane.xds.ProxyStatusTracker;
import io.attache.controlplane.xds.RefusalLog;
import io.attache.controlplane.xds.SecretAccessGuard;
import io.attache.controlplane.xds.SnapshotPublisher;
import io.attache.controlplane.xds.TransportSecurity;
import io.attache.controlplane.xds.XdsAuthenticator;
import io.attache.controlplane.xds.XdsLimits;
import io.attache.controlplane.xds.XdsServer;
import io.attache.controlplane.xds.XdsStreamGuard;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.controlplane.cache.v3.SimpleCache;
import io.envoyproxy.controlplane.server.V3DiscoveryServer;
import io.envoyproxy.envoy.config.core.v3.Node;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.service.discovery.v3.DeltaDiscoveryResponse;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SDS over a real ADS stream: a node gets the secrets of the identity it proved, and nothing when
 * it claims another identity or proves none — over wildcard and named state-of-the-world requests
 * and over delta.
 */
class SdsOverAdsTest {

  private static final String SDS = Resources.V3.SECRET_TYPE_URL;
  private static final String CDS = Resources.V3.CLUSTER_TYPE_URL;
  private static final String ORDERS = "spiffe://attache.local/ns/shop/sa/orders";
  private static final String USERS = "spiffe://attache.local/ns/shop/sa/users";
  private static final String ORDERS_TOKEN = "atk_orders-token";
  private static final String USERS_TOKEN = "atk_users-token";

  private final MutableClock clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final ManualScheduler scheduler = new ManualScheduler();
  private final RefusalLog refusals = new RefusalLog(clock);

  /** Longer than a certificate's half-life, so the two timers are told apart. */
  private static final Duration KEY_ROTATION = Duration.ofHours(30);

  private WorkloadCertificates certificates;
  private SvidSigningKeys signingKeys;
  private XdsServer server;

  @TempDir Path dataDir;

  @BeforeEach
  void startServer() throws Exception {
    CertificateAuthority ca = CertificateAuthority.generatedIn(dataDir, "attache.local", clock);
    certificates = new WorkloadCertificates(ca, Duration.ofHours(24), scheduler, clock);
    signingKeys = new SvidSigningKeys(KEY_ROTATION, scheduler, SvidSigningKey::generate);
    SimpleCache<ProxyGroup> cache = new SimpleCache<>(ProxyGroup::of);
    SnapshotPublisher publisher =
        new SnapshotPublisher(
            cache,
            new SnapshotTranslator(),
            new SdsSecrets(certificates, signingKeys),
            scheduler,
            Duration.ofMillis(50),
            Duration.ofMillis(500),
            policy(service("orders", 9001)));
    certificates.addRenewalListener(id -> publisher.secretsChanged(id.uri()));
    signingKeys.addRotationListener(id -> publisher.secretsChanged(id.uri()));
    // A hand-written token table: which token proves which identity.
    Map<String, String> tokens = Map.of(ORDERS_TOKEN, ORDERS, USERS_TOKEN, USERS);
    server =
        XdsServer.start(
            new InetSocketAddress("127.0.0.1", 0),
            new V3DiscoveryServer(
                List.of(
                    new SecretAccessGuard("attache.local", refusals),
                    new ProxyStatusTracker(clock)),
                cache),
            new XdsStreamGuard(XdsLimits.DEFAULT, publisher, refusals),
            TransportSecurity.PLAINTEXT,
            new XdsAuthenticator(
                "attache.local",
                token -> Optional.ofNullable(tokens.get(token)),
                XdsAuthenticator.Requirement.OPTIONAL,
                refusals),
            XdsServer.DEFAULT_HANDLER_THREADS);
  }

  @AfterEach
  void stopServer() {
    server.close();
    certificates.close();
    signingKeys.close();
    assertThat(scheduler.pendingDelays()).isEmpty();
  }

  static Node node(String id, String serviceAccount) {
    return MeshNodes.inShop(id, serviceAccount);
  }

  @Test
  void aNodeReceivesTheCertificateAndKeyOfTheIdentityItProvedAndTheRoot() throws Exception {
    try (AdsTestClient orders =
        AdsTestClient.withBearerToken(server.port(), node("orders-1", "orders"), ORDERS_TOKEN)) {
      orders.request(SDS, "", "", List.of());
      DiscoveryResponse secrets = orders.next();

      assertThat(names(secrets)).containsExactly("ROOTCA", "default", "jwt-svid-signing-key");
      Secret own = secret(secrets, "default");
      X509Certificate leaf =
          Pem.readCertificates(
                  own.getTlsCertificate().getCertificateChain().getInlineBytes().toStringUtf8())
              .get(0);
      assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, ORDERS));
      assertThat(own.getTlsCertificate().getPrivateKey().getInlineBytes().toStringUtf8())
          .startsWith("-----BEGIN PRIVATE KEY-----");
      assertThat(
              secret(secrets, "ROOTCA")
                  .getValidationContext()
                  .getTrustedCa()
                  .getInlineBytes()
                  .toStringUtf8())
          .isEqualTo(certificates.authority().trustBundlePem());
    }
  }

  @Test
  void aNodeClaimingAnotherIdentityGetsNothingFromAWildcardRequest() throws Exception {
    try (AdsTestClient impostor =
        AdsTestClient.withBearerToken(server.port(), node("users-1", "orders"), USERS_TOKEN)) {
      impostor.request(SDS, "", "", List.of());

      Status status = impostor.nextError();

      assertThat(status.getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(impostor.unreadResponses()).isZero();
      assertThat(refusals.recent())
          .singleElement()
          .satisfies(
              refusal -> {
                assertThat(refusal.nodeId()).isEqualTo("users-1");
                assertThat(refusal.claimedIdentity()).isEqualTo(ORDERS);
                assertThat(refusal.reason()).contains("proved " + USERS);
              });
      assertThat(certificates.info(SpiffeId.parse(ORDERS).orElseThrow()))
          .isEqualTo(CertificateInfo.NONE);
    }
  }

  @Test
  void aNodeClaimingAnotherIdentityGetsNothingByNamingTheSecret() throws Exception {
    try (AdsTestClient impostor =
        AdsTestClient.withBearerToken(server.port(), node("users-1", "orders"), USERS_TOKEN)) {
      impostor.request(SDS, "", "", List.of("default", "ROOTCA"));

      assertThat(impostor.nextError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(impostor.unreadResponses()).isZero();
      assertThat(refusals.recent()).extracting(RefusalLog.Refusal::what).containsExactly(SDS);
    }
  }

  @Test
  void aNodeNamingSecretsGetsOnlyItsOwn() throws Exception {
    try (AdsTestClient users =
        AdsTestClient.withBearerToken(server.port(), node("users-1", "users"), USERS_TOKEN)) {
      users.request(SDS, "", "", List.of("default"));

      DiscoveryResponse secrets = users.next();

      assertThat(names(secrets)).containsExactly("default");
      X509Certificate leaf =
          Pem.readCertificates(
                  secret(secrets, "default")
                      .getTlsCertificate()
                      .getCertificateChain()
                      .getInlineBytes()
                      .toStringUtf8())
              .get(0);
      assertThat(leaf.getSubjectAlternativeNames()).containsExactly(List.of(6, USERS));
    }
  }

  @Test
  void aNodeClaimingAnotherIdentityGetsNothingOverDelta() throws Exception {
    try (AdsTestClient impostor =
        AdsTestClient.withBearerToken(server.port(), node("users-1", "orders"), USERS_TOKEN)) {
      impostor.deltaSubscribe(SDS, List.of("default"));

      assertThat(impostor.nextError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(impostor.unreadResponses()).isZero();
      assertThat(refusals.recent())
          .extracting(RefusalLog.Refusal::nodeId)
          .containsExactly("users-1");
    }
  }

  @Test
  void deltaServesTheProvedIdentitysSecrets() throws Exception {
    try (AdsTestClient orders =
        AdsTestClient.withBearerToken(server.port(), node("orders-1", "orders"), ORDERS_TOKEN)) {
      orders.deltaSubscribe(SDS, List.of("default", "ROOTCA"));

      DeltaDiscoveryResponse secrets = orders.nextDelta();

      assertThat(secrets.getResourcesList())
          .extracting(r -> r.getName())
          .containsExactlyInAnyOrder("default", "ROOTCA");
    }
  }

  @Test
  void aNodeWithoutCredentialsGetsConfigButNoSecrets() throws Exception {
    try (AdsTestClient anonymous = new AdsTestClient(server.port(), node("anon-1", "orders"))) {
      anonymous.request(CDS, "", "", List.of());
      assertThat(anonymous.next().getResourcesCount()).isEqualTo(1);

      anonymous.request(SDS, "", "", List.of());

      assertThat(anonymous.nextError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(refusals.recent())
          .singleElement()
          .satisfies(
              r ->
                  assertThat(r.reason())
                      .contains("without a client certificate or bootstrap token"));
    }
  }

  @Test
  void anIdentityWrittenIntoTheMetadataByTheClientIsIgnored() throws Exception {
    Node forged =
        node("anon-1", "orders").toBuilder()
            .setMetadata(
                node("anon-1", "orders").getMetadata().toBuilder()
                    .putFields(
                        ProxyGroup.AUTHENTICATED_IDENTITY_METADATA_KEY,
                        Value.newBuilder().setStringValue(ORDERS).build()))
            .build();
    try (AdsTestClient anonymous = new AdsTestClient(server.port(), forged)) {
      anonymous.request(SDS, "", "", List.of());

      assertThat(anonymous.nextError().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
      assertThat(anonymous.unreadResponses()).isZero();
    }
  }

  @Test
  void anUnknownTokenRefusesTheStreamAndTheRefusalNamesTheNode() throws Exception {
    try (AdsTestClient guesser =
        AdsTestClient.withBearerToken(server.port(), node("guess-1", "orders"), "atk_guessed")) {
      guesser.request(CDS, "", "", List.of());

      assertThat(guesser.nextError().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(guesser.unreadResponses()).isZero();
      assertThat(refusals.recent())
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r.nodeId()).isEqualTo("guess-1");
                assertThat(r.claimedIdentity()).isEqualTo(ORDERS);
                assertThat(r.reason()).isEqualTo("unknown or revoked bootstrap token");
                assertThat(r.toString()).doesNotContain("atk_guessed");
              });
    }
  }

  @Test
  void renewalAtHalfLifePushesTheNewCertificateAsANewVersion() throws Exception {
    try (AdsTestClient orders =
        AdsTestClient.withBearerToken(server.port(), node("orders-1", "orders"), ORDERS_TOKEN)) {
      orders.request(SDS, "", "", List.of());
      DiscoveryResponse first = orders.next();
      orders.ack(first);
      assertThat(scheduler.pendingDelays())
          .containsExactlyInAnyOrder(Duration.ofHours(12), KEY_ROTATION);

      clock.advance(Duration.ofHours(12));
      scheduler.advance(Duration.ofHours(12));
      DiscoveryResponse renewed = orders.next();

      assertThat(renewed.getVersionInfo()).isNotEqualTo(first.getVersionInfo());
      assertThat(serial(renewed)).isNotEqualTo(serial(first));
      assertThat(serial(renewed))
          .isEqualTo(certificates.info(SpiffeId.parse(ORDERS).orElseThrow()).serialHex());
    }
  }

  @Test
  void aNodeReceivesItsOwnIdentitysSigningKeyWhoseKidTheJwksPublishes() throws Exception {
    try (AdsTestClient orders =
        AdsTestClient.withBearerToken(server.port(), node("orders-1", "orders"), ORDERS_TOKEN)) {
      orders.request(SDS, "", "", List.of(SvidSigningKeys.SDS_SECRET_NAME));

      DiscoveryResponse secrets = orders.next();

      assertThat(names(secrets)).containsExactly(SvidSigningKeys.SDS_SECRET_NAME);
      SvidSigningKey current = signingKeys.currentFor(SpiffeId.parse(ORDERS).orElseThrow());
      assertThat(signingKeyJwk(secrets)).isEqualTo(current.privateJwk()).contains("\"d\":");
      assertThat(signingKeys.jwks()).contains("\"kid\":\"" + current.kid() + "\"");
      assertThat(signingKeys.jwks()).doesNotContain("\"d\":");
    }
    try (AdsTestClient users =
        AdsTestClient.withBearerToken(server.port(), node("users-1", "users"), USERS_TOKEN)) {
      users.request(SDS, "", "", List.of(SvidSigningKeys.SDS_SECRET_NAME));

      assertThat(signingKeyJwk(users.next()))
          .isEqualTo(signingKeys.currentFor(SpiffeId.parse(USERS).orElseThrow()).privateJwk())
          .isNotEqualTo(signingKeys.currentFor(SpiffeId.parse(ORDERS).orElseThrow()).privateJwk());
    }
  }

  @Test
  void aRotationPushesTheNextSigningKeyToTheIdentitysNodes() throws Exception {
    try (AdsTestClient orders =
        AdsTestClient.withBearerToken(server.port(), node("orders-1", "orders"), ORDERS_TOKEN)) {
      orders.request(SDS, "", "", List.of(SvidSigningKeys.SDS_SECRET_NAME, "default"));
      DiscoveryResponse first = orders.next();
      orders.ack(first);
      String jwksBefore = signingKeys.jwks();
      clock.advance(KEY_ROTATION);
      scheduler.advance(KEY_ROTATION);
      // The certificate renewals (12 h, 24 h) push too, with the key unchanged: skip those.
      DiscoveryResponse rotated = orders.next();
      for (int pushes = 1;
          pushes < 4 && signingKeyJwk(rotated).equals(signingKeyJwk(first));
          pushes++) {
        orders.ack(rotated);
        rotated = orders.next();
      }

      SvidSigningKey current = signingKeys.currentFor(SpiffeId.parse(ORDERS).orElseThrow());
      assertThat(signingKeyJwk(rotated))
          .isEqualTo(current.privateJwk())
          .isNotEqualTo(signingKeyJwk(first));
      // The new key was already published before it signed; the old one still is.
      assertThat(jwksBefore).contains(current.kid());
      assertThat(signingKeys.jwks()).contains(kidOf(signingKeyJwk(first)));
    }
  }

  private static String signingKeyJwk(DiscoveryResponse response) {
    return secret(response, SvidSigningKeys.SDS_SECRET_NAME)
        .getGenericSecret()
        .getSecret()
        .getInlineBytes()
        .toStringUtf8();
  }

  private static String kidOf(String jwk) {
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile("\"kid\":\"([^\"]+)\"").matcher(jwk);
    assertThat(m.find()).isTrue();
    return m.group(1);
  }

  private static String serial(DiscoveryResponse response) throws Exception {
    return Pem.readCertificates(
            secret(response, "default")
                .getTlsCertificate()
                .getCertificateChain()
                .getInlineBytes()
                .toStringUtf8())
        .get(0)
        .getSerialNumber()
        .toString(16);
  }

  private static List<String> names(DiscoveryResponse response) throws Exception {
    return response.getResourcesList().stream().map(any -> unpack(any).getName()).sorted().toList();
  }

  private static Secret secret(DiscoveryResponse response, String name) {
    return response.getResourcesList().stream()
        .map(SdsOverAdsTest::unpack)
        .filter(s -> s.getName().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no secret " + name));
  }

  private static Secret unpack(com.google.protobuf.Any any) {
    try {
      return any.unpack(Secret.class);
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
  }
}
