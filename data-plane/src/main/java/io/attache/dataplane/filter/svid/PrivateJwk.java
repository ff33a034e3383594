package io.attache.dataplane.filter.svid;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPrivateKeySpec;
import java.util.Base64;

/**
 * Reads the signing key a control plane delivers as an SDS {@code generic_secret}: a private JSON
 * Web Key (RFC 7517, EC members of RFC 7518 §6.2.2) with {@code kty} "EC", {@code crv} "P-256", a
 * {@code kid} and the private scalar {@code d}. Pure; never puts key material in a message.
 */
final class PrivateJwk {
  private PrivateJwk() {}

  /** The key, or an exception saying which member is wrong (never its value). */
  static SigningKey parse(ByteString json) throws InvalidKeyMaterial {
    Struct jwk;
    try {
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(json.toStringUtf8(), b);
      jwk = b.build();
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidKeyMaterial("is not a JSON object");
    }
    if (!"EC".equals(string(jwk, "kty")) || !"P-256".equals(string(jwk, "crv"))) {
      throw new InvalidKeyMaterial("must be an EC P-256 JWK (kty EC, crv P-256)");
    }
    String kid = string(jwk, "kid");
    if (kid == null || kid.isEmpty()) {
      throw new InvalidKeyMaterial("has no kid");
    }
    String d = string(jwk, "d");
    if (d == null) {
      throw new InvalidKeyMaterial("has no private member d");
    }
    try {
      BigInteger scalar = new BigInteger(1, Base64.getUrlDecoder().decode(d));
      AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
      params.init(new ECGenParameterSpec("secp256r1"));
      ECParameterSpec p256 = params.getParameterSpec(ECParameterSpec.class);
      if (scalar.signum() <= 0 || scalar.compareTo(p256.getOrder()) >= 0) {
        throw new InvalidKeyMaterial("d is not a P-256 private scalar");
      }
      return new SigningKey(
          kid,
          (ECPrivateKey)
              KeyFactory.getInstance("EC").generatePrivate(new ECPrivateKeySpec(scalar, p256)));
    } catch (IllegalArgumentException e) {
      throw new InvalidKeyMaterial("d is not base64url");
    } catch (GeneralSecurityException e) {
      throw new InvalidKeyMaterial("d is not a usable EC key: " + e.getClass().getSimpleName());
    }
  }

  private static String string(Struct jwk, String member) {
    Value v = jwk.getFieldsOrDefault(member, null);
    return v != null && v.getKindCase() == Value.KindCase.STRING_VALUE ? v.getStringValue() : null;
  }

  /** The secret is not a usable private JWK; the message names the member, never a value. */
  static final class InvalidKeyMaterial extends Exception {
    InvalidKeyMaterial(String message) {
      super(message);
    }
  }
}
