package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.envoyproxy.envoy.admin.v3.Certificate;
import io.envoyproxy.envoy.admin.v3.Certificates;
import io.envoyproxy.envoy.admin.v3.SubjectAlternateName;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The proxy originating and terminating TLS over real sockets: upstream TLS to Netty servers
 * (HTTP/1.1 and h2 by ALPN), verification failures, and two proxies speaking mutual TLS through a
 * relay that captures the bytes between them.
 */
class TlsProxyIT {
  private static final String TRUST_DOMAIN = "spiffe://attache.test/ns/default/sa/";
  private static final TestPki.Ca CA = TestPki.newCa("mesh-ca");
  private static final TestPki.Ca OTHER_CA = TestPki.newCa("other-ca");
  private static final TestPki.Issued FRONTEND = CA.spiffe(TRUST_DOMAIN + "frontend");
  private static final TestPki.Issued BACKEND = CA.spiffe(TRUST_DOMAIN + "backend");

  @TempDir Path tmp;
  private final List<AutoCloseable> resources = new java.util.ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = resources.size() - 1; i >= 0; i--) {
      resources.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T resource) {
    resources.add(resource);
    return resource;
  }

  private static SslContext serverTls(
      TestPki.Issued cert, boolean requireClientCert, String... alpn) throws Exception {
    SslContextBuilder b =
        SslContextBuilder.forServer(cert.key(), cert.certificate()).sslProvider(SslProvider.JDK);
    if (requireClientCert) {
      b.trustManager(CA.certificate()).clientAuth(ClientAuth.REQUIRE);
    }
    if (alpn.length > 0) {
      b.applicationProtocolConfig(
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              alpn));
    }
    return b.build();
  }

  /** An UpstreamTlsContext transport socket, as cluster YAML. */
  private static String upstreamTls(
      TestPki.Issued own, TestPki.Ca trusted, String sanExact, String extra) {
    return """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
            sni: backend.internal
            common_tls_context:
              tls_certificates:
              - certificate_chain: { inline_string: %s }
                private_key: { inline_string: %s }
              validation_context:
                trusted_ca: { inline_string: %s }
                match_typed_subject_alt_names:
                - san_type: URI
                  matcher: { exact: "%s" }
        %s"""
        .formatted(
            TestPki.quoted(own.certPem()),
            TestPki.quoted(own.keyPem()),
            TestPki.quoted(trusted.pem()),
            sanExact,
            extra.indent(4));
  }

  private String accessLog(Path file) {
    return """
        access_log:
        - name: envoy.access_loggers.file
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.access_loggers.file.v3.FileAccessLog
            path: %s
            log_format:
              text_format_source:
                inline_string: "%%RESPONSE_CODE%% %%RESPONSE_FLAGS%% %%RESPONSE_CODE_DETAILS%%\\n"
        """
        .formatted(file);
  }

  @Test
  void originatesTlsToAnHttp1UpstreamAndVerifiesItsSpiffeId() throws Exception {
    TestHttpServer upstream =
        keep(TestHttpServer.https(serverTls(BACKEND, true), false, TestHttpServer.echo("tls")));
    ProxyHarness proxy =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    ProxyHarness.staticCluster(
                        "backend",
                        upstreamTls(FRONTEND, CA, TRUST_DOMAIN + "backend", ""),
                        upstream.port()))));

    HttpResponse<String> response = proxy.get("/hello");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("GET /hello");
    assertThat(upstream.received()).hasSize(1);
    assertThat(proxy.stat("cluster.backend.ssl.handshake")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.ssl.versions.TLSv1.2")).isEqualTo(1);
    // The proxy presented its own workload certificate to the upstream.
    X509Certificate presented = (X509Certificate) upstream.peerCertificates().get(0).get(0);
    assertThat(presented).isEqualTo(FRONTEND.certificate());
  }

  @Test
  void negotiatesH2ByAlpnForAnHttp2Cluster() throws Exception {
    TestHttpServer upstream =
        keep(
            TestHttpServer.https(
                serverTls(BACKEND, false, "h2", "http/1.1"), true, TestHttpServer.echo("h2")));
    String cluster =
        ProxyHarness.staticCluster(
            "backend",
            upstreamTls(FRONTEND, CA, TRUST_DOMAIN + "backend", "")
                    .replace(
                        "common_tls_context:\n",
                        "common_tls_context:\n      alpn_protocols: [h2, http/1.1]\n")
                + "http2_protocol_options: {}\n",
            upstream.port());
    ProxyHarness proxy =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap("", ProxyHarness.routeAllTo("backend"), cluster)));

    HttpResponse<String> first = proxy.get("/one");
    HttpResponse<String> second = proxy.get("/two");

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(upstream.negotiatedProtocols()).containsExactly("h2");
    assertThat(upstream.received())
        .extracting(TestHttpServer.Received::protocol)
        .containsOnly("HTTP/2");
  }

  @Test
  void aWrongTrustBundleFailsTheHandshakeAnd503sWithUpstreamConnectionFailure() throws Exception {
    TestHttpServer upstream =
        keep(TestHttpServer.https(serverTls(BACKEND, false), false, TestHttpServer.echo("x")));
    Path log = tmp.resolve("access.log");
    ProxyHarness proxy =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap(
                    accessLog(log),
                    ProxyHarness.routeAllTo("backend"),
                    ProxyHarness.staticCluster(
                        "backend",
                        upstreamTls(FRONTEND, OTHER_CA, TRUST_DOMAIN + "backend", ""),
                        upstream.port()))));

    HttpResponse<String> response = proxy.get("/");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(upstream.received()).isEmpty();
    assertThat(proxy.stat("cluster.backend.ssl.fail_verify_error")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.ssl.connection_error")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.upstream_cx_connect_fail")).isEqualTo(1);
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(Files.exists(log) ? Files.readString(log) : "")
                    .contains("503 UF upstream_reset_before_response_started{connection_failure}"));
  }

  @Test
  void aSanMismatchFailsTheHandshake() throws Exception {
    TestHttpServer upstream =
        keep(TestHttpServer.https(serverTls(BACKEND, false), false, TestHttpServer.echo("x")));
    ProxyHarness proxy =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    ProxyHarness.staticCluster(
                        "backend",
                        upstreamTls(FRONTEND, CA, TRUST_DOMAIN + "payments", ""),
                        upstream.port()))));

    assertThat(proxy.get("/").statusCode()).isEqualTo(503);
    assertThat(proxy.stat("cluster.backend.ssl.fail_verify_san")).isEqualTo(1);
    assertThat(proxy.stat("cluster.backend.ssl.fail_verify_error")).isZero();
    assertThat(upstream.received()).isEmpty();
  }

  /** Proxy B: a TLS-terminating inbound listener requiring client certificates, before the app. */
  private ProxyHarness inboundProxy(int appPort, String forwardClientCert) throws Exception {
    String bootstrap =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        static_resources:
          listeners:
          - name: inbound
            stat_prefix: inbound
            address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
            filter_chains:
            - transport_socket:
                name: envoy.transport_sockets.tls
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext
                  require_client_certificate: true
                  common_tls_context:
                    tls_certificate_sds_secret_configs: [ { name: inbound-cert } ]
                    validation_context_sds_secret_config: { name: mesh-trust }
              filters:
              - name: envoy.filters.network.http_connection_manager
                typed_config:
                  "@type": type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager
                  stat_prefix: inbound
                  %s
                  set_current_client_cert_details: { uri: true }
                  route_config:
                    virtual_hosts:
                    - name: app
                      domains: ["*"]
                      routes:
                      - match: { prefix: "/" }
                        route: { cluster: app }
                  http_filters:
                  - name: envoy.filters.http.router
                    typed_config:
                      "@type": type.googleapis.com/envoy.extensions.filters.http.router.v3.Router
          clusters:
        %s
          secrets:
          - name: inbound-cert
            tls_certificate:
              certificate_chain: { inline_string: %s }
              private_key: { inline_string: %s }
          - name: mesh-trust
            validation_context:
              trusted_ca: { inline_string: %s }
              match_typed_subject_alt_names:
              - san_type: URI
                matcher: { prefix: "spiffe://attache.test/" }
        """
            .formatted(
                forwardClientCert,
                ProxyHarness.staticCluster("app", "", appPort).indent(2),
                TestPki.quoted(BACKEND.certPem()),
                TestPki.quoted(BACKEND.keyPem()),
                TestPki.quoted(CA.pem()));
    return ProxyHarness.start(bootstrap);
  }

  @Test
  void chainedProxiesSpeakMutualTlsOnTheWireAndTheAppSeesTheCallersSpiffeId() throws Exception {
    TestHttpServer app = keep(TestHttpServer.http1(TestHttpServer.echo("app")));
    ProxyHarness inbound =
        keep(inboundProxy(app.port(), "forward_client_cert_details: SANITIZE_SET"));
    TlsRelay relay = keep(new TlsRelay(inbound.port()));
    ProxyHarness outbound =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap(
                    "",
                    ProxyHarness.routeAllTo("backend"),
                    ProxyHarness.staticCluster(
                        "backend",
                        upstreamTls(FRONTEND, CA, TRUST_DOMAIN + "backend", ""),
                        relay.port()))));

    HttpResponse<String> response =
        outbound.send(
            HttpRequest.newBuilder(outbound.uri("/orders"))
                .header("x-forwarded-client-cert", "By=spiffe://evil;URI=spiffe://evil/sa/admin"));

    assertThat(response.statusCode()).isEqualTo(200);
    String xfcc = app.received().get(0).headers().get("x-forwarded-client-cert");
    assertThat(xfcc)
        .isEqualTo(
            "By="
                + TRUST_DOMAIN
                + "backend;Hash="
                + ForwardClientCert.sha256Hex(FRONTEND.certificate())
                + ";URI="
                + TRUST_DOMAIN
                + "frontend");
    byte[] wire = relay.captured();
    assertThat(wire.length).isGreaterThan(5);
    assertThat(wire[0]).isEqualTo((byte) 0x16); // TLS handshake record
    assertThat(wire[1]).isEqualTo((byte) 0x03);
    String asText = new String(wire, StandardCharsets.ISO_8859_1);
    assertThat(asText).doesNotContain("HTTP/1.1").doesNotContain("/orders").doesNotContain("evil");
    assertThat(inbound.stat("listener.inbound.ssl.handshake")).isEqualTo(1);
    assertThat(inbound.stat("listener.inbound.ssl.no_certificate")).isZero();
  }

  @Test
  void underSanitizeAForgedClientCertHeaderIsStripped() throws Exception {
    TestHttpServer app = keep(TestHttpServer.http1(TestHttpServer.echo("app")));
    ProxyHarness inbound = keep(inboundProxy(app.port(), ""));
    ProxyHarness outbound =
        keep(
            ProxyHarness.start(
                ProxyHarness.bootstrap(
                    "forward_client_cert_details: ALWAYS_FORWARD_ONLY",
                    ProxyHarness.routeAllTo("backend"),
                    ProxyHarness.staticCluster(
                        "backend",
                        upstreamTls(FRONTEND, CA, TRUST_DOMAIN + "backend", ""),
                        inbound.port()))));

    HttpResponse<String> response =
        outbound.send(
            HttpRequest.newBuilder(outbound.uri("/"))
                .header("x-forwarded-client-cert", "URI=spiffe://evil/sa/admin"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(app.received().get(0).headers().contains("x-forwarded-client-cert")).isFalse();
  }

  @Test
  void certsListsTheListenersCertificateChainAndTrustBundleAsEnvoysAdminCertificates()
      throws Exception {
    TestHttpServer app = keep(TestHttpServer.http1(TestHttpServer.echo("app")));
    ProxyHarness inbound = keep(inboundProxy(app.port(), ""));

    Certificates.Builder certs = Certificates.newBuilder();
    JsonFormat.parser().merge(inbound.admin("/certs"), certs);

    assertThat(certs.getCertificatesList()).hasSize(1);
    Certificate context = certs.getCertificates(0);
    assertThat(context.getCaCertList())
        .singleElement()
        .satisfies(
            ca ->
                assertThat(ca.getSerialNumber())
                    .isEqualTo(CA.certificate().getSerialNumber().toString(16)));
    assertThat(context.getCertChainList())
        .singleElement()
        .satisfies(
            leaf -> {
              assertThat(leaf.getSerialNumber())
                  .isEqualTo(BACKEND.certificate().getSerialNumber().toString(16));
              assertThat(leaf.getSubjectAltNamesList())
                  .extracting(SubjectAlternateName::getUri)
                  .containsExactly(TRUST_DOMAIN + "backend");
              assertThat(leaf.getExpirationTime().getSeconds())
                  .isEqualTo(BACKEND.certificate().getNotAfter().toInstant().getEpochSecond());
              assertThat(leaf.getPath()).isEqualTo("<inline>");
            });
  }

  @Test
  void aPlaintextClientAgainstTheTlsListenerIsRejected() throws Exception {
    TestHttpServer app = keep(TestHttpServer.http1(TestHttpServer.echo("app")));
    ProxyHarness inbound = keep(inboundProxy(app.port(), ""));

    try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), inbound.port())) {
      socket.setSoTimeout(10_000);
      OutputStream out = socket.getOutputStream();
      out.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer =
          new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      assertThat(answer).doesNotContain("HTTP/1.1");
    }
    assertThat(app.received()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> inbound.stat("listener.inbound.ssl.connection_error") == 1);
  }

  @Test
  void aClientWithoutACertificateIsRejectedWhenOneIsRequired() throws Exception {
    TestHttpServer app = keep(TestHttpServer.http1(TestHttpServer.echo("app")));
    ProxyHarness inbound = keep(inboundProxy(app.port(), ""));
    SSLContext noCertificate = SSLContext.getInstance("TLSv1.3");
    noCertificate.init(null, new TrustManager[] {trustAll()}, null);

    try (SSLSocket socket =
        (SSLSocket)
            noCertificate
                .getSocketFactory()
                .createSocket(InetAddress.getLoopbackAddress(), inbound.port())) {
      socket.setSoTimeout(10_000);
      String answer;
      try {
        socket.startHandshake();
        OutputStream out = socket.getOutputStream();
        out.write("GET / HTTP/1.1\r\nhost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        answer = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      } catch (java.io.IOException e) {
        answer = "failed: " + e;
      }
      assertThat(answer).doesNotContain("HTTP/1.1 200");
    }
    assertThat(app.received()).isEmpty();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> inbound.stat("listener.inbound.ssl.connection_error") == 1);
    assertThat(inbound.stat("listener.inbound.ssl.fail_verify_no_cert")).isEqualTo(1);
  }

  private static X509TrustManager trustAll() {
    return new X509TrustManager() {
      @Override
      public void checkClientTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public void checkServerTrusted(X509Certificate[] chain, String authType) {}

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
      }
    };
  }
}
