package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.AdsTestClient;
import io.attache.controlplane.testing.MeshNodes;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.xds.SystemScheduler;
import io.envoyproxy.controlplane.cache.Resources;
import io.envoyproxy.envoy.service.discovery.v3.DiscoveryResponse;
import io.grpc.Status;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bootstrap tokens through REST, used over xDS, and what the proxy status shows of identities. */
class IdentityApiTest {

  private static final String SDS = Resources.V3.SECRET_TYPE_URL;
  private static final String TOKENS = "/api/v1/identities/shop/orders/tokens";

  @TempDir Path dataDir;

  private final SystemScheduler scheduler = new SystemScheduler();
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
  }

  @AfterEach
  void stop() {
    controlPlane.close();
    scheduler.close();
  }

  @Test
  void anIssuedTokenIsShownOnceAndStoredOnlyAsAHash() throws Exception {
    HttpResponse<String> issued = rest.post(TOKENS);

    assertThat(issued.statusCode()).isEqualTo(201);
    assertThat(issued.headers().firstValue("Cache-Control")).contains("no-store");
    JsonNode body = json(issued);
    String token = body.get("token").asText();
    assertThat(token).startsWith("atk_");
    assertThat(body.get("identity").asText()).isEqualTo("spiffe://attache.local/ns/shop/sa/orders");

    JsonNode listed = json(rest.get(TOKENS));
    assertThat(listed.get("items")).hasSize(1);
    assertThat(listed.toString()).doesNotContain(token);
    controlPlane.close();
    try (var files = Files.walk(dataDir)) {
      for (Path file : files.filter(Files::isRegularFile).toList()) {
        assertThat(
                new String(Files.readAllBytes(file), java.nio.charset.StandardCharsets.ISO_8859_1))
            .as(file.toString())
            .doesNotContain(token);
      }
    }
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
    assertThat(controlPlane.bootstrapTokens().identityOf(token))
        .contains("spiffe://attache.local/ns/shop/sa/orders");
  }

  @Test
  void aProxyWithTheTokenGetsItsSecretsAndItsStatusShowsIdentityAndCertificateButNoKey()
      throws Exception {
    String token = json(rest.post(TOKENS)).get("token").asText();

    try (AdsTestClient proxy =
        AdsTestClient.withBearerToken(
            controlPlane.xdsPort(), MeshNodes.inShop("orders-1", "orders"), token)) {
      proxy.request(SDS, "", "", List.of("default", "ROOTCA"));
      DiscoveryResponse secrets = proxy.next();
      assertThat(secrets.getResourcesCount()).isEqualTo(2);
      proxy.ack(secrets, List.of("default", "ROOTCA"));

      await()
          .untilAsserted(
              () -> {
                JsonNode status = json(rest.get("/api/v1/proxies/orders-1"));
                assertThat(status.get("identity").asText())
                    .isEqualTo("spiffe://attache.local/ns/shop/sa/orders");
                assertThat(status.get("certificate").get("serial").asText())
                    .isEqualTo(
                        controlPlane
                            .certificates()
                            .info(
                                SpiffeId.parse("spiffe://attache.local/ns/shop/sa/orders")
                                    .orElseThrow())
                            .serialHex());
                assertThat(status.get("certificate").get("not_after").asText()).isNotEmpty();
              });
      String everything =
          rest.get("/api/v1/proxies/orders-1").body()
              + rest.get("/api/v1/proxies/orders-1/config").body();
      assertThat(everything).doesNotContain("PRIVATE KEY").doesNotContain("private_key");
    }
  }

  @Test
  void aWrongTokenIsRefused() throws Exception {
    rest.post(TOKENS);

    try (AdsTestClient proxy =
        AdsTestClient.withBearerToken(
            controlPlane.xdsPort(), MeshNodes.inShop("orders-1", "orders"), "atk_not-issued")) {
      proxy.request(SDS, "", "", List.of());

      assertThat(proxy.nextError().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
      assertThat(controlPlane.refusals().recent())
          .singleElement()
          .satisfies(r -> assertThat(r.nodeId()).isEqualTo("orders-1"));
    }
  }

  @Test
  void aRevokedTokenNoLongerWorks() throws Exception {
    JsonNode issued = json(rest.post(TOKENS));

    assertThat(rest.delete(TOKENS + "/" + issued.get("id").asText()).statusCode()).isEqualTo(204);
    assertThat(rest.delete(TOKENS + "/" + issued.get("id").asText()).statusCode()).isEqualTo(404);

    try (AdsTestClient proxy =
        AdsTestClient.withBearerToken(
            controlPlane.xdsPort(),
            MeshNodes.inShop("orders-1", "orders"),
            issued.get("token").asText())) {
      proxy.request(SDS, "", "", List.of());
      assertThat(proxy.nextError().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    }
  }

  @Test
  void refusesAnIdentityThatIsNotOne() throws Exception {
    HttpResponse<String> response = rest.post("/api/v1/identities/shop/or%20ders/tokens");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).get("field").asText()).isEqualTo("identity");
  }

  @Test
  void theOpenApiDocumentDescribesTheTokenEndpoints() {
    JsonNode paths = json(rest.get("/api/v1/openapi.json")).get("paths");

    assertThat(paths.get(TOKENS.replace("shop/orders", "{namespace}/{serviceAccount}")).has("post"))
        .isTrue();
    assertThat(paths.has("/api/v1/identities/{namespace}/{serviceAccount}/tokens/{id}")).isTrue();
  }
}
