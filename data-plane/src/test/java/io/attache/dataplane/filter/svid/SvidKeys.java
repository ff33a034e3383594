package io.attache.dataplane.filter.svid;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.api.ext.v1.SigningKey;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;

/**
 * Test keys for the service identity token filter: a P-256 key pair, its PKCS#8 PEM, its JWKS, the
 * filter config that signs with it, and an independent ES256 check of a token (JDK crypto only).
 */
public final class SvidKeys {
  static final String ISSUER = "spiffe://mesh.local";
  static final String ORDERS = "spiffe://mesh.local/ns/shop/sa/orders";

  final KeyPair keys;
  final String kid;

  private SvidKeys(KeyPair keys, String kid) {
    this.keys = keys;
    this.kid = kid;
  }

  public static SvidKeys p256(String kid) throws Exception {
    return new SvidKeys(generate("EC", new ECGenParameterSpec("secp256r1")), kid);
  }

  static KeyPair generate(String algorithm, ECGenParameterSpec curve) throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance(algorithm);
    if (curve != null) {
      g.initialize(curve);
    } else {
      g.initialize(2048);
    }
    return g.generateKeyPair();
  }

  static String pem(PrivateKey key) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
            .encodeToString(key.getEncoded())
        + "\n-----END PRIVATE KEY-----\n";
  }

  ServiceIdentityToken.Builder config() {
    return ServiceIdentityToken.newBuilder()
        .setIssuer(ISSUER)
        .setSubject(ORDERS)
        .setSigningKey(SigningKey.newBuilder().setKid(kid).setPrivateKeyPem(pem(keys.getPrivate())))
        .setLifetime(Duration.newBuilder().setSeconds(300));
  }

  ServiceIdentityTokenConfig parsed() throws Exception {
    return ServiceIdentityTokenConfig.from(Any.pack(config().build()), "typed_config");
  }

  /** The key as the filter signs with it. */
  ServiceIdentityTokenConfig.SigningKey signingKey() throws Exception {
    return parsed().inlineKey().orElseThrow();
  }

  /** The public key as a JWKS document (RFC 7517). */
  String jwks() {
    ECPublicKey ec = (ECPublicKey) keys.getPublic();
    return ("{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-256\",\"alg\":\"ES256\",\"use\":\"sig\","
            + "\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\"}]}")
        .formatted(kid, fixed(ec.getW().getAffineX()), fixed(ec.getW().getAffineY()));
  }

  /** The private key as an RFC 7517 JWK, as a control plane puts it in an SDS generic_secret. */
  public String privateJwk() {
    ECPublicKey ec = (ECPublicKey) keys.getPublic();
    java.security.interfaces.ECPrivateKey d =
        (java.security.interfaces.ECPrivateKey) keys.getPrivate();
    return ("{\"kty\":\"EC\",\"crv\":\"P-256\",\"kid\":\"%s\",\"x\":\"%s\",\"y\":\"%s\","
            + "\"d\":\"%s\"}")
        .formatted(
            kid, fixed(ec.getW().getAffineX()), fixed(ec.getW().getAffineY()), fixed(d.getS()));
  }

  /** True when {@code token}'s ES256 signature verifies with this key. */
  public boolean verifies(String token) throws Exception {
    int lastDot = token.lastIndexOf('.');
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initVerify(keys.getPublic());
    s.update(token.substring(0, lastDot).getBytes(StandardCharsets.US_ASCII));
    return s.verify(Base64.getUrlDecoder().decode(token.substring(lastDot + 1)));
  }

  /** The JSON of the token's header (part 0) or payload (part 1). */
  static String part(String token, int index) {
    return new String(
        Base64.getUrlDecoder().decode(token.split("\\.")[index]), StandardCharsets.UTF_8);
  }

  private static String fixed(BigInteger v) {
    byte[] b = v.toByteArray();
    byte[] out = new byte[32];
    int copy = Math.min(b.length, 32);
    System.arraycopy(b, b.length - copy, out, 32 - copy, copy);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(out);
  }
}
