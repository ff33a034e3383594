package io.attache.dataplane.xds;

import static io.attache.dataplane.xds.TestResources.address;
import static io.attache.dataplane.xds.TestResources.ads;
import static io.attache.dataplane.xds.TestResources.edsCluster;
import static io.attache.dataplane.xds.TestResources.endpoints;
import static io.attache.dataplane.xds.TestResources.rdsListener;
import static io.attache.dataplane.xds.TestResources.routes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import com.google.protobuf.UInt32Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.admin.ConfigDumpTypes;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.admin.v3.ConfigDump;
import io.envoyproxy.envoy.admin.v3.SecretsConfigDump;
import io.envoyproxy.envoy.config.cluster.v3.Cluster;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CertificateValidationContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Upstream TLS whose certificate and trust bundle arrive over SDS on the ADS stream of a real
 * java-control-plane server: the cluster warms until its secrets arrive, and rotating the workload
 * certificate under steady traffic fails no request.
 */
class TlsOverAdsIT {
  private static final Duration WAIT = Duration.ofSeconds(20);
  private static final TestPki.Ca CA = TestPki.newCa("sds-ca");
  private static final TestPki.Issued BACKEND =
      CA.spiffe("spiffe://attache.test/ns/default/sa/backend");

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();
  private AdsTestServer controlPlane;
  private TestHttpServer upstream;
  private ProxyServer proxy;

  @BeforeEach
  void start() throws Exception {
    upstream =
        TestHttpServer.https(
            SslContextBuilder.forServer(BACKEND.key(), BACKEND.certificate())
                .sslProvider(SslProvider.JDK)
                .trustManager(CA.certificate())
                .clientAuth(ClientAuth.REQUIRE)
                .build(),
            false,
            TestHttpServer.echo("tls"));
    controlPlane = new AdsTestServer().start();
  }

  @AfterEach
  void stop() throws Exception {
    if (proxy != null) {
      proxy.drainAndStop(Duration.ZERO);
    }
    controlPlane.close();
    upstream.close();
  }

  private void startProxy() throws Exception {
    String bootstrap =
        """
        admin:
          address: { socket_address: { address: 127.0.0.1, port_value: 0 } }
        """
            + TestResources.bootstrap(controlPlane.port(), "GRPC");
    proxy =
        ProxyServer.start(
            BootstrapLoader.parse(bootstrap, false), new ProxyOptions(1, Duration.ofSeconds(1)));
  }

  /** An EDS cluster whose TLS certificate and trust bundle come over SDS (no fetch timeout). */
  private static Cluster tlsCluster() {
    SdsSecretConfig workload =
        SdsSecretConfig.newBuilder().setName("workload").setSdsConfig(ads(0)).build();
    SdsSecretConfig trust =
        SdsSecretConfig.newBuilder().setName("trust").setSdsConfig(ads(0)).build();
    UpstreamTlsContext tls =
        UpstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addTlsCertificateSdsSecretConfigs(workload)
                    .setValidationContextSdsSecretConfig(trust))
            .build();
    return edsCluster("backend").toBuilder()
        .setTransportSocket(
            TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(tls)))
        // Short-lived connections, so rotations show up in new handshakes while traffic flows.
        .setMaxRequestsPerConnection(UInt32Value.of(3))
        .build();
  }

  private static Secret workload(TestPki.Issued issued) {
    return Secret.newBuilder()
        .setName("workload")
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(issued.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(issued.keyPem())))
        .build();
  }

  private static Secret trust() {
    return Secret.newBuilder()
        .setName("trust")
        .setValidationContext(
            CertificateValidationContext.newBuilder()
                .setTrustedCa(DataSource.newBuilder().setInlineString(CA.pem())))
        .build();
  }

  private Snapshot snapshot(String version, List<Secret> secrets) {
    Listener listener =
        rdsListener("ingress", "local_route").toBuilder()
            .setAddress(address("127.0.0.1", 0))
            .build();
    return Snapshot.create(
        List.of(tlsCluster()),
        List.of(endpoints("backend", upstream.port())),
        List.of(listener),
        List.of(routes("local_route", "backend")),
        secrets,
        version);
  }

  private HttpResponse<String> get(String path) throws Exception {
    int port = proxy.listenerAddresses().get("ingress").getPort();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aClusterNamingAnSdsSecretWarmsUntilTheSecretArrives() throws Exception {
    TestPki.Issued first = CA.spiffe("spiffe://attache.test/ns/default/sa/frontend");
    // Neither secret yet: SimpleCache drops an ADS watch whose names are only partly present.
    controlPlane.setSnapshot(snapshot("1", List.of()));
    startProxy();

    await()
        .atMost(WAIT)
        .until(
            () ->
                controlPlane.requests.stream()
                    .anyMatch(
                        r ->
                            r.getTypeUrl().equals(XdsResourceType.SECRET.typeUrl())
                                && r.getResourceNamesList().contains("workload")));
    // Still warming: the snapshot without the certificate is never applied.
    assertThat(proxy.listenerAddresses()).doesNotContainKey("ingress");

    controlPlane.setSnapshot(snapshot("2", List.of(trust(), workload(first))));
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().containsKey("ingress"));

    assertThat(get("/warm").statusCode()).isEqualTo(200);
    assertThat(upstream.peerCertificates().get(0).get(0)).isEqualTo(first.certificate());

    // /config_dump lists both SDS secrets with their version, the private key redacted as Envoy.
    String dumped = admin("/config_dump?resource=dynamic_active_secrets");
    ConfigDump.Builder dump = ConfigDump.newBuilder();
    JsonFormat.parser().usingTypeRegistry(ConfigDumpTypes.envoyDefaults()).merge(dumped, dump);
    List<SecretsConfigDump.DynamicSecret> secrets = new java.util.ArrayList<>();
    for (Any any : dump.getConfigsList()) {
      secrets.add(any.unpack(SecretsConfigDump.DynamicSecret.class));
    }
    assertThat(secrets)
        .extracting(SecretsConfigDump.DynamicSecret::getName)
        .containsExactly("trust", "workload");
    assertThat(secrets).allSatisfy(s -> assertThat(s.getVersionInfo()).isEqualTo("2"));
    Secret workload = secrets.get(1).getSecret().unpack(Secret.class);
    assertThat(workload.getTlsCertificate().getPrivateKey().getInlineString())
        .isEqualTo("[redacted]");
    assertThat(workload.getTlsCertificate().getCertificateChain().getInlineString())
        .isEqualTo(first.certPem());
    assertThat(dumped).doesNotContain(first.keyPem().substring(40, 80));
  }

  private String admin(String path) throws Exception {
    return client
        .send(
            HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + path))
                .timeout(Duration.ofSeconds(10))
                .build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  @Test
  void rotatingTheWorkloadCertificateUnderSteadyTrafficFailsNoRequest() throws Exception {
    TestPki.Issued current = CA.spiffe("spiffe://attache.test/ns/default/sa/frontend");
    controlPlane.setSnapshot(snapshot("1", List.of(trust(), workload(current))));
    startProxy();
    await().atMost(WAIT).until(() -> proxy.listenerAddresses().containsKey("ingress"));

    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger ok = new AtomicInteger();
    List<String> failures = new java.util.concurrent.CopyOnWriteArrayList<>();
    Thread traffic =
        new Thread(
            () -> {
              for (int i = 0; i < 20_000 && !stop.get(); i++) {
                try {
                  HttpResponse<String> r = get("/steady/" + i);
                  if (r.statusCode() == 200) {
                    ok.incrementAndGet();
                  } else {
                    failures.add(i + ": " + r.statusCode() + " " + r.body());
                  }
                } catch (Exception e) {
                  failures.add(i + ": " + e);
                }
              }
            },
            "steady-traffic");
    traffic.start();
    try {
      for (int rotation = 2; rotation <= 4; rotation++) {
        TestPki.Issued next = CA.spiffe("spiffe://attache.test/ns/default/sa/frontend");
        controlPlane.setSnapshot(
            snapshot(String.valueOf(rotation), List.of(trust(), workload(next))));
        X509Certificate expected = next.certificate();
        await()
            .atMost(WAIT)
            .until(
                () ->
                    upstream.peerCertificates().stream()
                        .anyMatch(chain -> !chain.isEmpty() && chain.get(0).equals(expected)));
        // Traffic keeps flowing on the rotated certificate: wait for progress instead of
        // counting how many requests happened to fit in the rotation's wall-clock time.
        int servedBefore = ok.get();
        await().atMost(WAIT).until(() -> ok.get() >= servedBefore + 4 || !failures.isEmpty());
      }
    } finally {
      stop.set(true);
      traffic.join(30_000);
    }

    assertThat(failures).isEmpty();
    assertThat(ok.get()).isGreaterThan(10);
    assertThat(proxy.stats().counters().get("cluster.backend.ssl.handshake").value())
        .isGreaterThanOrEqualTo(4);
  }
}
