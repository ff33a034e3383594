package io.attache.controlplane.ca;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * One EC P-256 key a workload identity signs its JWT-SVIDs with (ES256), named by its RFC 7638 JWK
 * thumbprint as {@code kid}, so the same public key always has the same name on every verifier.
 * Renders its private JWK (for the identity's SDS secret) and its public JWK (for the trust
 * domain's JWKS). Immutable; {@link #toString} never shows key material.
 */
public final class SvidSigningKey {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  private final KeyPair keys;
  private final String x;
  private final String y;
  private final String kid;

  private SvidSigningKey(KeyPair keys) {
    this.keys = keys;
    ECPublicKey pub = (ECPublicKey) keys.getPublic();
    this.x = coordinate(pub.getW().getAffineX());
    this.y = coordinate(pub.getW().getAffineY());
    // RFC 7638: the required members in lexicographic order, no whitespace.
    String canonical = "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    try {
      this.kid =
          B64.encodeToString(
              MessageDigest.getInstance("SHA-256")
                  .digest(canonical.getBytes(StandardCharsets.US_ASCII)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK always has SHA-256", e);
    }
  }

  /** A fresh key from the JDK's default SecureRandom. */
  public static SvidSigningKey generate() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return new SvidSigningKey(generator.generateKeyPair());
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK always has EC P-256", e);
    }
  }

  public String kid() {
    return kid;
  }

  public ECPublicKey publicKey() {
    return (ECPublicKey) keys.getPublic();
  }

  /** The public JWK (RFC 7517) as it appears in the JWKS. */
  public String publicJwk() {
    return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\""
        + kid
        + "\",\"x\":\""
        + x
        + "\",\"y\":\""
        + y
        + "\"}";
  }

  /** The private JWK (RFC 7518 §6.2.2): what only the identity's own proxies receive over SDS. */
  public String privateJwk() {
    String d = coordinate(((ECPrivateKey) keys.getPrivate()).getS());
    return "{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\",\"kid\":\""
        + kid
        + "\",\"x\":\""
        + x
        + "\",\"y\":\""
        + y
        + "\",\"d\":\""
        + d
        + "\"}";
  }

  /** A P-256 field element as RFC 7518 wants it: 32 bytes big-endian, base64url. */
  private static String coordinate(BigInteger value) {
    byte[] raw = value.toByteArray();
    byte[] fixed = new byte[32];
    int copy = Math.min(raw.length, 32);
    System.arraycopy(raw, raw.length - copy, fixed, 32 - copy, copy);
    return B64.encodeToString(fixed);
  }

  @Override
  public String toString() {
    return "SvidSigningKey[kid=" + kid + "]";
  }
}
