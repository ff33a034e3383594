package io.attache.controlplane.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import io.attache.controlplane.ca.SvidSigningKeys;
import io.attache.controlplane.xds.Scheduler;
import io.attache.dataplane.config.BootstrapLoader;
import io.attache.dataplane.server.ProxyOptions;
import io.attache.dataplane.server.ProxyServer;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.time.RandomSource;
import io.attache.dataplane.time.Ticker;
import io.attache.dataplane.time.TimeSources;
import io.attache.dataplane.xds.XdsTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The signed caller identity end to end with our own parts (issue 19 item 5): the control plane
 * with {@code identity_token} on and mTLS PERMISSIVE, Attaché sidecars that prove their identities
 * with bootstrap tokens, and a plain HTTP app behind payments' sidecar that reports what it got.
 * Callers' tokens are minted by their proxies from SDS keys and verified by the callee's generated
 * jwt_authn against the control plane's JWKS, fetched through the generated cluster. Bad tokens
 * reach payments' inbound listener straight from the test (PERMISSIVE lets a plaintext client in)
 * or from real proxies: one calling payments under another service's name (wrong audience), one
 * whose wall clock is 20 minutes behind (its tokens are expired when minted).
 */
class IdentityTokenMeshIT {

  private static final String ORDERS = "spiffe://attache.local/ns/default/sa/orders";
  private static final String BATCH = "spiffe://attache.local/ns/default/sa/batch";
  private static final String CALLER_HEADER = "x-attache-caller";

  private InteropControlPlane controlPlane;
  private HttpServer paymentsApp;
  private final List<ProxyServer> proxies = new ArrayList<>();
  private final HeldRotations rotations = new HeldRotations();

  /** What the payments app saw: "path | caller header | token header". */
  private final List<String> paymentsSaw = new CopyOnWriteArrayList<>();

  private ProxyServer orders;
  private ProxyServer batch;
  private ProxyServer payments;
  private int paymentsInbound;

  @AfterEach
  void stop() {
    proxies.forEach(p -> p.drainAndStop(Duration.ZERO));
    if (paymentsApp != null) {
      paymentsApp.stop(0);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void theCalleeAppSeesTheVerifiedCallerAndBadTokensAreRefusedAndCounted(@TempDir Path dir)
      throws Exception {
    startMesh(dir);

    String first = awaitThrough(orders, "/balance", "");
    assertThat(first).startsWith("HTTP/1.1 200");
    assertThat(callerSeen(first)).isEqualTo(ORDERS);
    assertThat(tokenSeen(first)).as("forward: false keeps the token from the app").isEqualTo("-");
    assertThat(counter(orders, "http.outbound.service_identity_token.attached")).isPositive();

    String forgedByApp =
        send(
            outbound(batch), "GET", "/balance", "payments", CALLER_HEADER + ": " + ORDERS + "\r\n");
    assertThat(callerSeen(forgedByApp))
        .as("a caller header the calling app wrote never reaches the callee's app")
        .isEqualTo(BATCH);

    long deniedBefore = counter(payments, "http.inbound.jwt_authn.denied");
    int seen = paymentsSaw.size();
    String foreign = foreignToken("payments", Instant.now().plusSeconds(300));
    assertThat(send(paymentsInbound, "GET", "/balance", "payments", token(foreign)))
        .as("a token signed by a key the trust domain never published")
        .startsWith("HTTP/1.1 401");
    assertThat(send(paymentsInbound, "GET", "/balance", "payments", token("not.a.jwt")))
        .startsWith("HTTP/1.1 401");
    String noToken =
        send(
            paymentsInbound, "GET", "/balance", "payments", CALLER_HEADER + ": " + ORDERS + "\r\n");
    assertThat(noToken)
        .as("no token passes, as a stock Envoy caller's call")
        .startsWith("HTTP/1.1 200");
    assertThat(callerSeen(noToken)).as("but names no caller, whatever it wrote").isEqualTo("-");

    controlPlane.put(
        "/api/v1/services/ledger",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
            + " \"port\": "
            + paymentsInbound
            + "}]}");
    // 404 until the route arrives, 503 until ledger's endpoint has: then payments answers.
    String misaddressed =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () -> send(outbound(orders), "GET", "/balance", "ledger", ""),
                r -> !r.startsWith("HTTP/1.1 404") && !r.startsWith("HTTP/1.1 503"));
    assertThat(misaddressed)
        .as("a token for ledger arriving at payments: Envoy's JwtAudienceNotAllowed")
        .startsWith("HTTP/1.1 403")
        .contains("Audiences in Jwt are not allowed");

    ProxyServer late =
        sidecar(
            "late-1",
            "late",
            controlPlane.issueBootstrapToken("default", "late"),
            MeshBootstraps.outboundOnly(freePort()),
            Clock.offset(Clock.systemUTC(), Duration.ofMinutes(-20)));
    String expired =
        await()
            .atMost(Duration.ofSeconds(30))
            .ignoreExceptions()
            .until(
                () -> send(outbound(late), "GET", "/balance", "payments", ""),
                r -> r.startsWith("HTTP/1.1 401"));
    assertThat(expired).contains("Jwt is expired");
    assertThat(counter(late, "http.outbound.service_identity_token.attached")).isPositive();

    assertThat(paymentsSaw.subList(seen, paymentsSaw.size()))
        .as("of the refused calls none reached the app; the tokenless one did")
        .hasSize(1);
    assertThat(counter(payments, "http.inbound.jwt_authn.denied") - deniedBefore)
        .isGreaterThanOrEqualTo(4);
  }

  /**
   * The verifier's JWKS was fetched (and cached for 60 s) before the rotation; the key the caller
   * signs with afterwards was already in it, pre-published as "next". One rotation is what a cached
   * JWKS covers: rotations are a period (6 h) apart, and a second one fired at once would sign with
   * a key born after the fetch.
   */
  @Test
  void callsKeepTheirVerifiedCallerAcrossASigningKeyRotation(@TempDir Path dir) throws Exception {
    startMesh(dir);
    assertThat(callerSeen(awaitThrough(orders, "/balance", ""))).isEqualTo(ORDERS);
    String keyUpdates = "sds." + SvidSigningKeys.SDS_SECRET_NAME + ".update_success";
    long before = counter(orders, keyUpdates);
    long fetches = counter(payments, "http.inbound.jwt_authn.jwks_fetch_success");

    assertThat(rotations.fire()).as("the three identities' rotation timers were held").isEqualTo(3);
    await().atMost(Duration.ofSeconds(30)).until(() -> counter(orders, keyUpdates) > before);

    String after = send(outbound(orders), "GET", "/balance", "payments", "");
    assertThat(after).startsWith("HTTP/1.1 200");
    assertThat(callerSeen(after)).isEqualTo(ORDERS);
    assertThat(counter(payments, "http.inbound.jwt_authn.jwks_fetch_success"))
        .as("verified with the cached JWKS, no refetch")
        .isEqualTo(fetches);
    assertThat(counter(payments, "http.inbound.jwt_authn.denied")).isZero();
  }

  @Test
  void anAuthorizationOnTokenPrincipalsAllowsOneCallerAndDeniesAnother(@TempDir Path dir)
      throws Exception {
    startMesh(dir);
    awaitThrough(orders, "/charge", "");
    awaitThrough(batch, "/charge", "");

    controlPlane.put(
        "/api/v1/authorizations/orders-token-may-charge",
        "{\"target\": \"payments\", \"action\": \"ALLOW\", \"rules\": [{\"from\":"
            + " {\"token_principals\": [\""
            + ORDERS
            + "\"]}, \"to\": {\"paths\": [\"/charge\"]}}]}");
    String denied =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> send(outbound(batch), "POST", "/charge", "payments", ""),
                r -> r.startsWith("HTTP/1.1 403"));
    assertThat(denied).endsWith("RBAC: access denied");
    assertThat(send(outbound(orders), "POST", "/charge", "payments", ""))
        .startsWith("HTTP/1.1 200");
    assertThat(
            send(
                paymentsInbound,
                "POST",
                "/charge",
                "payments",
                CALLER_HEADER + ": " + ORDERS + "\r\n"))
        .as("a caller without a token matches no token principal")
        .startsWith("HTTP/1.1 403");
  }

  /** PERMISSIVE mTLS and identity tokens, payments' app and three sidecars with identities. */
  private void startMesh(Path dir) throws Exception {
    controlPlane = InteropControlPlane.startWithScheduler(dir.resolve("data"), rotations::around);
    controlPlane.put(
        "/api/v1/defaults",
        "{\"mtls\": {\"mode\": \"PERMISSIVE\"}, \"identity_token\": {\"enabled\": true}}");
    paymentsApp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    paymentsApp.createContext(
        "/",
        exchange -> {
          String caller = exchange.getRequestHeaders().getFirst(CALLER_HEADER);
          String token = exchange.getRequestHeaders().getFirst("x-service-identity");
          String line =
              "caller: "
                  + (caller == null ? "-" : caller)
                  + "\ntoken: "
                  + (token == null ? "-" : token);
          paymentsSaw.add(exchange.getRequestURI().getPath() + " | " + line);
          exchange.getRequestBody().readAllBytes();
          byte[] body = line.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    paymentsApp.start();
    paymentsInbound = freePort();
    controlPlane.put(
        "/api/v1/services/payments",
        "{\"port\": 8080, \"protocol\": \"HTTP1\", \"endpoints\": [{\"address\": \"127.0.0.1\","
            + " \"port\": "
            + paymentsInbound
            + "}]}");
    payments =
        sidecar(
            "payments-1",
            "payments",
            controlPlane.issueBootstrapToken("default", "payments"),
            MeshBootstraps.sidecarPorts(
                freePort(), paymentsInbound, paymentsApp.getAddress().getPort()),
            Clock.systemUTC());
    orders =
        sidecar(
            "orders-1",
            "orders",
            controlPlane.issueBootstrapToken("default", "orders"),
            MeshBootstraps.outboundOnly(freePort()),
            Clock.systemUTC());
    batch =
        sidecar(
            "batch-1",
            "batch",
            controlPlane.issueBootstrapToken("default", "batch"),
            MeshBootstraps.outboundOnly(freePort()),
            Clock.systemUTC());
  }

  private ProxyServer sidecar(
      String id, String service, String token, Map<String, ?> metadata, Clock clock)
      throws Exception {
    ProxyServer proxy =
        ProxyServer.start(
            BootstrapLoader.parse(
                MeshBootstraps.ads(
                    id, service, "DELTA_GRPC", metadata, token, controlPlane.xdsPort()),
                false),
            new ProxyOptions(
                1,
                Duration.ofSeconds(1),
                new TimeSources(Ticker.SYSTEM, clock, RandomSource.SYSTEM),
                XdsTransport.PLAINTEXT));
    proxies.add(proxy);
    return proxy;
  }

  /** Calls payments through a caller's outbound listener until the mesh answers 200. */
  private String awaitThrough(ProxyServer caller, String path, String headers) {
    return await()
        .atMost(Duration.ofSeconds(30))
        .ignoreExceptions()
        .until(
            () -> send(outbound(caller), "GET", path, "payments", headers),
            r -> r.startsWith("HTTP/1.1 200"));
  }

  /**
   * Holds the control plane's signing-key rotation timers (the only ones scheduled a whole rotation
   * period ahead) and runs every other timer on the real scheduler.
   */
  private static final class HeldRotations {
    private final List<Runnable> held = new CopyOnWriteArrayList<>();

    Scheduler around(Scheduler real) {
      return new Scheduler() {
        @Override
        public long nanoTime() {
          return real.nanoTime();
        }

        @Override
        public ScheduledTask schedule(Duration delay, Runnable task) {
          if (!delay.equals(SvidSigningKeys.DEFAULT_ROTATION_PERIOD)) {
            return real.schedule(delay, task);
          }
          held.add(task);
          return () -> held.remove(task);
        }
      };
    }

    /** Runs the rotations held so far (each schedules its successor); returns how many ran. */
    int fire() {
      List<Runnable> due = List.copyOf(held);
      held.removeAll(due);
      due.forEach(Runnable::run);
      return due.size();
    }
  }

  /** An ES256 JWT-SVID for payments signed with a key of the test's own. */
  private static String foreignToken(String audience, Instant expiry) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    PrivateKey key = generator.generateKeyPair().getPrivate();
    String header = b64("{\"alg\":\"ES256\",\"kid\":\"forged\",\"typ\":\"JWT\"}");
    String claims =
        b64(
            "{\"iss\":\"spiffe://attache.local\",\"sub\":\""
                + ORDERS
                + "\",\"aud\":\""
                + audience
                + "\",\"iat\":"
                + Instant.now().getEpochSecond()
                + ",\"exp\":"
                + expiry.getEpochSecond()
                + "}");
    Signature signer = Signature.getInstance("SHA256withECDSAinP1363Format");
    signer.initSign(key);
    signer.update((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
    return header
        + "."
        + claims
        + "."
        + Base64.getUrlEncoder().withoutPadding().encodeToString(signer.sign());
  }

  private static String b64(String json) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }

  private static String token(String jwt) {
    return "x-service-identity: " + jwt + "\r\n";
  }

  private static String callerSeen(String response) {
    return field(response, "caller: ");
  }

  private static String tokenSeen(String response) {
    return field(response, "token: ");
  }

  private static String field(String response, String name) {
    int at = response.indexOf(name);
    if (at < 0) {
      return "";
    }
    int end = response.indexOf('\n', at);
    return response.substring(at + name.length(), end < 0 ? response.length() : end).strip();
  }

  private static int outbound(ProxyServer proxy) {
    return proxy.listenerAddresses().entrySet().stream()
        .filter(e -> e.getKey().startsWith("outbound"))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no outbound listener yet"))
        .getValue()
        .getPort();
  }

  private static long counter(ProxyServer proxy, String name) {
    Counter counter = proxy.stats().counters().get(name);
    return counter == null ? 0 : counter.value();
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  /** One HTTP/1.1 request over a plain socket; returns the whole response. */
  private static String send(int port, String method, String path, String host, String headers)
      throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              (method
                      + " "
                      + path
                      + " HTTP/1.1\r\nHost: "
                      + host
                      + "\r\n"
                      + headers
                      + "Content-Length: 0\r\nConnection: close\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
