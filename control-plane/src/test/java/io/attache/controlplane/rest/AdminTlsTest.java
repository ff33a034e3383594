package io.attache.controlplane.rest;

import static io.attache.controlplane.testing.RestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.attache.controlplane.ControlPlane;
import io.attache.controlplane.ControlPlaneConfig;
import io.attache.controlplane.testing.RestClient;
import io.attache.controlplane.testing.TestCertificates;
import io.attache.controlplane.testing.TestCertificates.KeyFormat;
import io.attache.controlplane.xds.SystemScheduler;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminTlsTest {

  private static final String ADMIN = "admin-token-0123456789abcdef";
  private static final String ORDERS =
      "{\"name\":\"orders\",\"port\":8080,\"endpoints\":[{\"address\":\"10.0.0.1\",\"port\":9001}]}";

  @TempDir Path dir;

  private final SystemScheduler scheduler = new SystemScheduler();
  private ControlPlane controlPlane;

  @AfterEach
  void stop() {
    if (controlPlane != null) {
      controlPlane.close();
    }
    scheduler.close();
  }

  @Test
  void servesTheApiOverHttpsWithTheGivenCertificate() throws Exception {
    TestCertificates server = TestCertificates.selfSigned("RSA");
    AdminTls tls =
        AdminTls.fromPem(
            server.writeCertificate(dir.resolve("admin.crt")),
            server.writeKey(dir.resolve("admin.key"), KeyFormat.PKCS8));
    start(new AdminSecurity(AdminTokens.parse(List.of(ADMIN + " admin"), "t"), tls));

    RestClient rest =
        RestClient.https(controlPlane.httpPort(), server.clientTrustingThis()).withToken(ADMIN);

    assertThat(controlPlane.httpScheme()).isEqualTo("https");
    assertThat(rest.put("/api/v1/services/orders", ORDERS).statusCode()).isEqualTo(201);
    HttpResponse<String> read = rest.get("/api/v1/services/orders");
    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json(read).get("name").asText()).isEqualTo("orders");
  }

  @Test
  void readsAnRsaKeyInPkcs1AndAnEcKeyInPkcs8() throws Exception {
    TestCertificates rsa = TestCertificates.selfSigned("RSA");
    AdminTls pkcs1 =
        AdminTls.fromPem(
            rsa.writeCertificate(dir.resolve("rsa.crt")),
            rsa.writeKey(dir.resolve("rsa.key"), KeyFormat.PKCS1));
    assertThat(Files.readString(dir.resolve("rsa.key"))).contains("BEGIN RSA PRIVATE KEY");
    assertThat(pkcs1.enabled()).isTrue();

    TestCertificates ec = TestCertificates.selfSigned("EC");
    start(
        new AdminSecurity(
            AdminTokens.NONE,
            AdminTls.fromPem(
                ec.writeCertificate(dir.resolve("ec.crt")),
                ec.writeKey(dir.resolve("ec.key"), KeyFormat.PKCS8))));
    assertThat(
            RestClient.https(controlPlane.httpPort(), ec.clientTrustingThis())
                .get("/healthz")
                .statusCode())
        .isEqualTo(200);
  }

  @Test
  void aClientThatDoesNotTrustTheCertificateCannotConnect() throws Exception {
    TestCertificates server = TestCertificates.selfSigned("RSA");
    start(
        new AdminSecurity(
            AdminTokens.NONE,
            AdminTls.fromPem(
                server.writeCertificate(dir.resolve("admin.crt")),
                server.writeKey(dir.resolve("admin.key"), KeyFormat.PKCS8))));
    RestClient stranger =
        RestClient.https(
            controlPlane.httpPort(), TestCertificates.selfSigned("RSA").clientTrustingThis());

    assertThatThrownBy(() -> stranger.get("/healthz"))
        .isInstanceOf(UncheckedIOException.class)
        .hasCauseInstanceOf(SSLHandshakeException.class);
  }

  @Test
  void refusesAKeyThatIsNotTheCertificatesNamingBothFiles() {
    TestCertificates one = TestCertificates.selfSigned("RSA");
    TestCertificates other = TestCertificates.selfSigned("RSA");
    Path cert = one.writeCertificate(dir.resolve("one.crt"));
    Path key = other.writeKey(dir.resolve("other.key"), KeyFormat.PKCS8);

    assertThatThrownBy(() -> AdminTls.fromPem(cert, key))
        .isInstanceOf(AdminConfigException.class)
        .hasMessage(key + " is not the private key of the first certificate in " + cert);
  }

  @Test
  void namesTheFileThatHoldsNoCertificateOrNoKey() throws Exception {
    TestCertificates server = TestCertificates.selfSigned("RSA");
    Path cert = server.writeCertificate(dir.resolve("admin.crt"));
    Path key = server.writeKey(dir.resolve("admin.key"), KeyFormat.PKCS8);
    Path empty = Files.writeString(dir.resolve("empty.pem"), "nothing here\n");

    assertThatThrownBy(() -> AdminTls.fromPem(empty, key))
        .isInstanceOf(AdminConfigException.class)
        .hasMessageContaining(empty.toString());
    assertThatThrownBy(() -> AdminTls.fromPem(cert, empty))
        .isInstanceOf(AdminConfigException.class)
        .hasMessage(empty + ": no PEM private key found");
  }

  private void start(AdminSecurity security) throws Exception {
    controlPlane =
        ControlPlane.start(
            new ControlPlaneConfig(
                    "127.0.0.1",
                    0,
                    "127.0.0.1",
                    0,
                    dir.resolve("data"),
                    Duration.ofMillis(10),
                    Duration.ofMillis(50))
                .withAdminSecurity(security),
            scheduler,
            Clock.systemUTC());
  }
}
