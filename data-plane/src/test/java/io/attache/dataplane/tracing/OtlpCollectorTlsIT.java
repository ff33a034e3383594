package io.attache.dataplane.tracing;

import static io.attache.dataplane.testing.ProxyHarness.bootstrap;
import static io.attache.dataplane.testing.ProxyHarness.staticCluster;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.attache.dataplane.testing.ProxyHarness;
import io.attache.dataplane.testing.TestHttpServer;
import io.attache.dataplane.tls.TestPki;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.GrpcSslContexts;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.handler.ssl.ClientAuth;
import io.grpc.stub.ServerCalls;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import java.io.ByteArrayInputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The OpenTelemetry exporter honours the collector cluster's {@code transport_socket}: a proxy
 * traces five requests (one count-triggered batch) to a real collector that speaks only TLS and
 * demands a client certificate — a grpc-java OTLP/gRPC server, or a JDK HTTPS server for OTLP/HTTP
 * — and the collector sees the proxy's certificate; a collector whose certificate the cluster does
 * not trust gets nothing, and the failure is counted.
 */
class OtlpCollectorTlsIT {
  private final TestPki.Ca mesh = TestPki.newCa("mesh");
  private final TestPki.Issued proxyCertificate =
      mesh.issue("proxy", List.of("spiffe://mesh/proxy"), List.of());
  private final List<ResourceSpans> received = new CopyOnWriteArrayList<>();
  private final List<String> clientSubjects = new CopyOnWriteArrayList<>();
  private final List<String> tenants = new CopyOnWriteArrayList<>();
  private Server grpcCollector;
  private HttpsServer httpCollector;

  @AfterEach
  void stopCollectors() throws Exception {
    if (grpcCollector != null) {
      grpcCollector.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
    if (httpCollector != null) {
      httpCollector.stop(0);
    }
  }

  /** The collector cluster: HTTP/2, TLS with the proxy's certificate, trusting the mesh CA. */
  private String otelCluster(int port, boolean http2) {
    String tls =
        """
        transport_socket:
          name: envoy.transport_sockets.tls
          typed_config:
            "@type": type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext
            common_tls_context:
              tls_certificates:
              - certificate_chain: { inline_string: %s }
                private_key: { inline_string: %s }
              validation_context:
                trusted_ca: { inline_string: %s }
                match_typed_subject_alt_names:
                - san_type: DNS
                  matcher: { exact: collector.mesh }
        """
            .formatted(
                TestPki.quoted(proxyCertificate.certPem()),
                TestPki.quoted(proxyCertificate.keyPem()),
                TestPki.quoted(mesh.pem()));
    return staticCluster("otel", (http2 ? "http2_protocol_options: {}\n" : "") + tls, port);
  }

  private static String grpcTracing() {
    return """
        tracing:
          random_sampling: { value: 100 }
          provider:
            name: envoy.tracers.opentelemetry
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
              service_name: tls-it
              grpc_service:
                envoy_grpc: { cluster_name: otel }
                timeout: 5s
        """;
  }

  private static String httpTracing() {
    return """
        tracing:
          random_sampling: { value: 100 }
          provider:
            name: envoy.tracers.opentelemetry
            typed_config:
              "@type": type.googleapis.com/envoy.config.trace.v3.OpenTelemetryConfig
              service_name: tls-it
              http_service:
                http_uri:
                  uri: https://collector.mesh/v1/traces
                  cluster: otel
                  timeout: 5s
                request_headers_to_add:
                - header: { key: x-tenant, value: acme }
        """;
  }

  private void startGrpcCollector(TestPki.Issued serverCertificate) throws Exception {
    ServerServiceDefinition service =
        ServerServiceDefinition.builder(OtlpTraceService.SERVICE_NAME)
            .addMethod(
                OtlpTraceService.EXPORT,
                ServerCalls.asyncUnaryCall(
                    (request, observer) -> {
                      received.addAll(request.resourceSpans());
                      observer.onNext(OtlpTraceService.ExportResponse.OK);
                      observer.onCompleted();
                    }))
            .build();
    ServerInterceptor recordPeer =
        new ServerInterceptor() {
          @Override
          public <Q, R> ServerCall.Listener<Q> interceptCall(
              ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            SSLSession session = call.getAttributes().get(Grpc.TRANSPORT_ATTR_SSL_SESSION);
            clientSubjects.add(subjectOf(session));
            return next.startCall(call, headers);
          }
        };
    grpcCollector =
        NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
            .sslContext(
                GrpcSslContexts.forServer(
                        new ByteArrayInputStream(
                            serverCertificate.certPem().getBytes(StandardCharsets.US_ASCII)),
                        new ByteArrayInputStream(
                            serverCertificate.keyPem().getBytes(StandardCharsets.US_ASCII)))
                    .trustManager(
                        new ByteArrayInputStream(mesh.pem().getBytes(StandardCharsets.US_ASCII)))
                    .clientAuth(ClientAuth.REQUIRE)
                    .build())
            .addService(ServerInterceptors.intercept(service, recordPeer))
            .build()
            .start();
  }

  private void startHttpCollector(TestPki.Issued serverCertificate) throws Exception {
    KeyStore keys = KeyStore.getInstance("PKCS12");
    keys.load(null, null);
    keys.setKeyEntry(
        "collector",
        serverCertificate.key(),
        new char[0],
        new Certificate[] {serverCertificate.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, new char[0]);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("mesh", mesh.certificate());
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    httpCollector = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    httpCollector.setHttpsConfigurator(
        new HttpsConfigurator(tls) {
          @Override
          public void configure(HttpsParameters params) {
            SSLParameters demandClientCertificate = getSSLContext().getDefaultSSLParameters();
            demandClientCertificate.setNeedClientAuth(true);
            params.setSSLParameters(demandClientCertificate);
          }
        });
    httpCollector.createContext(
        "/v1/traces",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          if (exchange.getRequestMethod().equals("POST")
              && "application/x-protobuf"
                  .equals(exchange.getRequestHeaders().getFirst("content-type"))) {
            received.addAll(
                OtlpTraceService.EXPORT
                    .getRequestMarshaller()
                    .parse(new ByteArrayInputStream(body))
                    .resourceSpans());
            tenants.add(String.valueOf(exchange.getRequestHeaders().getFirst("x-tenant")));
            clientSubjects.add(
                subjectOf(((com.sun.net.httpserver.HttpsExchange) exchange).getSSLSession()));
            exchange.getResponseHeaders().set("content-type", "application/x-protobuf");
            exchange.sendResponseHeaders(200, -1);
          } else {
            exchange.sendResponseHeaders(415, -1);
          }
          exchange.close();
        });
    httpCollector.start();
  }

  private static String subjectOf(SSLSession session) {
    try {
      return ((X509Certificate) session.getPeerCertificates()[0])
          .getSubjectX500Principal()
          .getName();
    } catch (SSLPeerUnverifiedException | NullPointerException e) {
      return "<no client certificate>";
    }
  }

  private static long spanCount(List<ResourceSpans> batches) {
    return batches.stream()
        .flatMap(rs -> rs.getScopeSpansList().stream())
        .mapToLong(ScopeSpans::getSpansCount)
        .sum();
  }

  private static void sendFiveRequests(ProxyHarness proxy) throws Exception {
    for (int i = 0; i < 5; i++) {
      assertThat(proxy.get("/orders/" + i).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void spansReachAnMtlsGrpcCollectorOverTheClustersTransportSocket() throws Exception {
    startGrpcCollector(mesh.issue("collector", List.of(), List.of("collector.mesh")));
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    grpcTracing(),
                    ProxyHarness.routeAllTo("app"),
                    staticCluster("app", "", app.port())
                        + "\n"
                        + otelCluster(grpcCollector.getPort(), true)))) {
      sendFiveRequests(proxy);

      await().atMost(Duration.ofSeconds(20)).until(() -> spanCount(received) >= 5);
      assertThat(received.get(0).getResource().getAttributesList())
          .anySatisfy(kv -> assertThat(kv.getValue().getStringValue()).isEqualTo("tls-it"));
      assertThat(clientSubjects).isNotEmpty().allMatch(s -> s.contains("CN=proxy"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("tracing.opentelemetry.grpc_reports_success") >= 1);
      assertThat(proxy.stat("cluster.otel.ssl.handshake")).isGreaterThanOrEqualTo(1);
      assertThat(proxy.stat("cluster.otel.upstream_rq_200")).isGreaterThanOrEqualTo(1);
    }
  }

  @Test
  void aCollectorWhoseCertificateTheClusterDoesNotTrustGetsNothingAndTheFailureIsCounted()
      throws Exception {
    TestPki.Ca rogue = TestPki.newCa("rogue");
    startGrpcCollector(rogue.issue("collector", List.of(), List.of("collector.mesh")));
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    grpcTracing(),
                    ProxyHarness.routeAllTo("app"),
                    staticCluster("app", "", app.port())
                        + "\n"
                        + otelCluster(grpcCollector.getPort(), true)))) {
      sendFiveRequests(proxy);

      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> proxy.stat("tracing.opentelemetry.grpc_reports_failed") >= 1);
      assertThat(proxy.stat("cluster.otel.ssl.fail_verify_error")).isGreaterThanOrEqualTo(1);
      assertThat(proxy.stat("tracing.opentelemetry.grpc_reports_success")).isZero();
      assertThat(received).isEmpty();
    }
  }

  @Test
  void spansArePostedAsProtobufToAnMtlsHttpCollectorOverOtlpHttp() throws Exception {
    startHttpCollector(mesh.issue("collector", List.of(), List.of("collector.mesh")));
    try (TestHttpServer app = TestHttpServer.http1(TestHttpServer.echo("app"));
        ProxyHarness proxy =
            ProxyHarness.start(
                bootstrap(
                    httpTracing(),
                    ProxyHarness.routeAllTo("app"),
                    staticCluster("app", "", app.port())
                        + "\n"
                        + otelCluster(httpCollector.getAddress().getPort(), false)))) {
      sendFiveRequests(proxy);

      await().atMost(Duration.ofSeconds(20)).until(() -> spanCount(received) >= 5);
      assertThat(tenants).isNotEmpty().allMatch("acme"::equals);
      assertThat(clientSubjects).isNotEmpty().allMatch(s -> s.contains("CN=proxy"));
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> proxy.stat("tracing.opentelemetry.http_reports_success") >= 1);
      assertThat(proxy.stat("tracing.opentelemetry.http_reports_failed")).isZero();
      assertThat(proxy.stat("cluster.otel.ssl.handshake")).isGreaterThanOrEqualTo(1);
    }
  }
}
