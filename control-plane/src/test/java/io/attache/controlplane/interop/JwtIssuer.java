package io.attache.controlplane.interop;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An end-user token issuer for the mesh tests: its own RSA key, its JWKS served over real HTTP on
 * 127.0.0.1 (a port the kernel picks), and RS256 tokens it signs with JDK crypto. It can also forge
 * a token with a second key under the same kid, which a verifier must refuse. Never shares keys
 * between instances.
 */
final class JwtIssuer implements AutoCloseable {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final String KID = "test-key";

  private final String issuer;
  private final KeyPair keys;
  private final KeyPair forger;
  private final HttpServer server;
  private final AtomicInteger jwksFetches = new AtomicInteger();

  private JwtIssuer(String issuer) throws IOException, GeneralSecurityException {
    this.issuer = issuer;
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    this.keys = generator.generateKeyPair();
    this.forger = generator.generateKeyPair();
    this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
    server.createContext(
        "/jwks",
        exchange -> {
          jwksFetches.incrementAndGet();
          byte[] body = jwks().getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().set("content-type", "application/json");
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  static JwtIssuer start(String issuer) throws IOException, GeneralSecurityException {
    return new JwtIssuer(issuer);
  }

  String issuer() {
    return issuer;
  }

  /** Where the JWKS is served. */
  String jwksUri() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/jwks";
  }

  int jwksFetches() {
    return jwksFetches.get();
  }

  /** The public key as a JSON Web Key Set. */
  String jwks() {
    RSAPublicKey rsa = (RSAPublicKey) keys.getPublic();
    return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}]}"
        .formatted(KID, unsigned(rsa.getModulus()), unsigned(rsa.getPublicExponent()));
  }

  /**
   * A token of this issuer for {@code subject}, audience {@code audience}, expiring {@code
   * expiresAt}, with {@code extraClaims} (JSON members, or empty) in its payload.
   */
  String token(String subject, String audience, Instant expiresAt, String extraClaims)
      throws GeneralSecurityException {
    return signed(keys.getPrivate(), issuer, subject, audience, expiresAt, extraClaims);
  }

  /** The same token from another issuer name, signed with this issuer's key. */
  String tokenAs(String otherIssuer, String subject, String audience, Instant expiresAt)
      throws GeneralSecurityException {
    return signed(keys.getPrivate(), otherIssuer, subject, audience, expiresAt, "");
  }

  /** A token claiming this issuer, signed with a key that is not in its JWKS. */
  String forged(String subject, String audience, Instant expiresAt)
      throws GeneralSecurityException {
    return signed(forger.getPrivate(), issuer, subject, audience, expiresAt, "");
  }

  private String signed(
      PrivateKey key,
      String iss,
      String subject,
      String audience,
      Instant expiresAt,
      String extraClaims)
      throws GeneralSecurityException {
    String header = "{\"alg\":\"RS256\",\"kid\":\"" + KID + "\",\"typ\":\"JWT\"}";
    String payload =
        "{\"iss\":\"%s\",\"sub\":\"%s\",\"aud\":\"%s\",\"exp\":%d%s}"
            .formatted(
                iss,
                subject,
                audience,
                expiresAt.getEpochSecond(),
                extraClaims.isEmpty() ? "" : "," + extraClaims);
    String input =
        B64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(payload.getBytes(StandardCharsets.UTF_8));
    Signature signature = Signature.getInstance("SHA256withRSA");
    signature.initSign(key);
    signature.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64.encodeToString(signature.sign());
  }

  private static String unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    if (bytes[0] == 0) {
      bytes = Arrays.copyOfRange(bytes, 1, bytes.length);
    }
    return B64.encodeToString(bytes);
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
