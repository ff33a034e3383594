package io.attache.dataplane.filter.jwt;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Arrays;
import java.util.Base64;

/**
 * Keys and signed tokens for tests: an RSA or P-256 key pair, its JWKS, and compact JWS tokens
 * signed with it (JDK crypto, the same the filter verifies with, but no filter code).
 */
final class TestTokens {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  final KeyPair keys;
  final String alg;
  final String kid;

  private TestTokens(KeyPair keys, String alg, String kid) {
    this.keys = keys;
    this.alg = alg;
    this.kid = kid;
  }

  static TestTokens rsa(String kid) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return new TestTokens(g.generateKeyPair(), "RS256", kid);
  }

  static TestTokens ec(String kid) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return new TestTokens(g.generateKeyPair(), "ES256", kid);
  }

  /** The public key as a JWKS document. */
  String jwks() {
    if (keys.getPublic() instanceof RSAPublicKey rsa) {
      return "{\"keys\":[{\"kty\":\"RSA\",\"alg\":\"RS256\",\"kid\":\"%s\",\"n\":\"%s\",\"e\":\"%s\"}]}"
          .formatted(kid, unsigned(rsa.getModulus()), unsigned(rsa.getPublicExponent()));
    }
    ECPublicKey ec = (ECPublicKey) keys.getPublic();
    return ("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"kid\":\"%s\","
            + "\"x\":\"%s\",\"y\":\"%s\"}]}")
        .formatted(kid, fixed(ec.getW().getAffineX(), 32), fixed(ec.getW().getAffineY(), 32));
  }

  /** A token with this payload JSON, signed with this key. */
  String sign(String payloadJson) throws Exception {
    String header = "{\"alg\":\"%s\",\"kid\":\"%s\",\"typ\":\"JWT\"}".formatted(alg, kid);
    String input =
        B64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(payloadJson.getBytes(StandardCharsets.UTF_8));
    Signature s =
        Signature.getInstance(
            alg.equals("RS256") ? "SHA256withRSA" : "SHA256withECDSAinP1363Format");
    s.initSign(keys.getPrivate());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + B64.encodeToString(s.sign());
  }

  private static String unsigned(BigInteger v) {
    byte[] b = v.toByteArray();
    if (b[0] == 0) {
      b = Arrays.copyOfRange(b, 1, b.length);
    }
    return B64.encodeToString(b);
  }

  private static String fixed(BigInteger v, int size) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[size];
    int copy = Math.min(b.length, size);
    System.arraycopy(b, b.length - copy, out, size - copy, copy);
    return B64.encodeToString(out);
  }
}
