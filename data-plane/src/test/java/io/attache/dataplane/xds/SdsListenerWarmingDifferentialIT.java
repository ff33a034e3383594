package io.attache.dataplane.xds;

import static io.attache.dataplane.xds.TestResources.ads;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.Any;
import io.attache.dataplane.testing.ProxyPair;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.attache.testing.envoy.Envoy;
import io.attache.testing.envoy.StockEnvoyExtension;
import io.envoyproxy.controlplane.cache.v3.Snapshot;
import io.envoyproxy.envoy.config.core.v3.DataSource;
import io.envoyproxy.envoy.config.core.v3.TransportSocket;
import io.envoyproxy.envoy.config.listener.v3.Listener;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.CommonTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.SdsSecretConfig;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.TlsCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * One ADS server feeds Attaché and a stock Envoy the same bootstrap and the same LDS update: a
 * plaintext listener becomes a TLS listener whose certificate comes over SDS. While the server
 * withholds the secret both keep the old listener serving and count the new one in {@code
 * listener_manager.total_listeners_warming}; once it arrives both serve TLS with it; when the
 * secret's {@code initial_fetch_timeout} passes instead, both stop warming and serve the new
 * listener without a certificate.
 */
@ExtendWith(StockEnvoyExtension.class)
class SdsListenerWarmingDifferentialIT {
  private static final Duration WAIT = Duration.ofSeconds(30);
  private static final String SECRET = "server-cert";
  private static final TestPki.Ca CA = TestPki.newCa("warming-ca");
  private static final TestPki.Issued SERVER =
      CA.issue("localhost", List.of(), List.of("localhost"));

  @TempDir Path dir;
  private Envoy envoy;
  private AdsTestServer controlPlane;
  private TestHttpServer upstream;
  private ProxyPair pair;

  @BeforeEach
  void start(Envoy envoy) throws Exception {
    this.envoy = envoy;
    controlPlane = new AdsTestServer().start();
    upstream = TestHttpServer.http1(TestHttpServer.echo("backend"));
  }

  @AfterEach
  void stop() throws Exception {
    if (pair != null) {
      pair.close();
    }
    controlPlane.close();
    upstream.close();
  }

  /** Listener {@code ingress} on an ephemeral port, to {@code backend}; TLS from SDS if asked. */
  private static Listener listener(boolean tls, long secretFetchTimeoutSeconds) {
    Listener plain =
        TestResources.inlineListener(
            "ingress", List.of(), TestResources.routes("local_route", "backend"));
    if (!tls) {
      return plain;
    }
    DownstreamTlsContext context =
        DownstreamTlsContext.newBuilder()
            .setCommonTlsContext(
                CommonTlsContext.newBuilder()
                    .addTlsCertificateSdsSecretConfigs(
                        SdsSecretConfig.newBuilder()
                            .setName(SECRET)
                            .setSdsConfig(ads(secretFetchTimeoutSeconds))))
            .build();
    Listener.Builder listener = plain.toBuilder();
    listener
        .getFilterChainsBuilder(0)
        .setTransportSocket(
            TransportSocket.newBuilder()
                .setName("envoy.transport_sockets.tls")
                .setTypedConfig(Any.pack(context)));
    return listener.build();
  }

  private static Secret certificate() {
    return Secret.newBuilder()
        .setName(SECRET)
        .setTlsCertificate(
            TlsCertificate.newBuilder()
                .setCertificateChain(DataSource.newBuilder().setInlineString(SERVER.certPem()))
                .setPrivateKey(DataSource.newBuilder().setInlineString(SERVER.keyPem())))
        .build();
  }

  private void serve(String version, Listener listener, List<Secret> secrets) {
    controlPlane.setSnapshot(
        Snapshot.create(List.of(), List.of(), List.of(listener), List.of(), secrets, version));
  }

  private void startBoth() throws Exception {
    serve("1", listener(false, 0), List.of());
    pair =
        ProxyPair.start(
            envoy,
            "sds-warming",
            TestResources.ldsBootstrap(controlPlane.port(), upstream.port()),
            dir);
    for (ProxyPair.Side side : pair.both()) {
      // Attaché applies its first snapshot after start returns: no listener until then.
      await()
          .atMost(WAIT)
          .ignoreExceptions()
          .untilAsserted(
              () ->
                  assertThat(plaintextStatus(side.port("ingress"))).as(side.name()).isEqualTo(200));
    }
  }

  @Test
  void aListenerUpdateNamingAnSdsCertificateWarmsUntilItArrivesWhileTheOldOneServes()
      throws Exception {
    startBoth();

    serve("2", listener(true, 0), List.of());
    for (ProxyPair.Side side : pair.both()) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () ->
                  assertThat(side.stat("listener_manager.total_listeners_warming"))
                      .as(side.name())
                      .isEqualTo(1));
      assertThat(plaintextStatus(side.port("ingress")))
          .as(side.name() + ": the old listener keeps serving")
          .isEqualTo(200);
      assertThat(side.stat("listener_manager.total_listeners_active")).as(side.name()).isEqualTo(1);
    }

    serve("3", listener(true, 0), List.of(certificate()));
    for (ProxyPair.Side side : pair.both()) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> assertThat(tlsStatus(side.port("ingress"))).as(side.name()).isEqualTo(200));
      assertThat(side.stat("listener_manager.total_listeners_warming")).as(side.name()).isZero();
      assertThat(side.stat("sds." + SECRET + ".update_success")).as(side.name()).isEqualTo(1);
      assertThat(side.stat("listener_manager.listener_in_place_updated"))
          .as(side.name())
          .isEqualTo(1);
    }
  }

  @Test
  void aListenerUpdateWhoseCertificateNeverArrivesStopsWarmingAtTheInitialFetchTimeout()
      throws Exception {
    startBoth();

    serve("2", listener(true, 1), List.of());
    for (ProxyPair.Side side : pair.both()) {
      await()
          .atMost(WAIT)
          .untilAsserted(
              () -> {
                assertThat(side.stat("sds." + SECRET + ".init_fetch_timeout"))
                    .as(side.name())
                    .isEqualTo(1);
                assertThat(side.stat("listener_manager.total_listeners_warming"))
                    .as(side.name())
                    .isZero();
              });
      assertThat(side.stat("listener_manager.listener_in_place_updated"))
          .as(side.name())
          .isEqualTo(1);
      assertThat(side.stat("sds." + SECRET + ".update_success")).as(side.name()).isZero();
      assertThat(plaintextStatus(side.port("ingress")))
          .as(side.name() + ": the new listener wants TLS")
          .isEqualTo(-1);
      assertThat(tlsStatus(side.port("ingress")))
          .as(side.name() + ": and has no certificate to offer")
          .isEqualTo(-1);
    }
  }

  /** The status of a plaintext GET, or -1 when the connection ends without a response. */
  private static int plaintextStatus(int port) throws IOException {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      return exchange(socket);
    }
  }

  /** The status of a GET over TLS trusting the test CA, or -1 when no response comes. */
  private static int tlsStatus(int port) throws Exception {
    KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
    trust.load(null, null);
    trust.setCertificateEntry("ca", CA.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) ssl.getSocketFactory().createSocket("127.0.0.1", port)) {
      socket.setSoTimeout(5_000);
      socket.startHandshake();
      return exchange(socket);
    } catch (IOException e) {
      // A handshake without a certificate ends in an alert or a reset, as the peer closes.
      return -1;
    }
  }

  private static int exchange(Socket socket) throws IOException {
    try {
      socket
          .getOutputStream()
          .write(
              "GET / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      InputStream in = socket.getInputStream();
      String head = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      return head.startsWith("HTTP/1.1 ") ? Integer.parseInt(head.substring(9, 12)) : -1;
    } catch (java.net.SocketException e) {
      return -1;
    }
  }
}
