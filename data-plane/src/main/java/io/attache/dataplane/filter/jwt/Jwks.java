package io.attache.dataplane.filter.jwt;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.math.BigInteger;
import java.security.AlgorithmParameters;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.Key;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECParameterSpec;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.security.spec.MGF1ParameterSpec;
import java.security.spec.PSSParameterSpec;
import java.security.spec.RSAPublicKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * A JSON Web Key Set (RFC 7517) with the keys Envoy verifies with: RSA ({@code RS*}, {@code PS*}),
 * EC on P-256/P-384/P-521 ({@code ES*}) and symmetric {@code oct} keys ({@code HS*}). A key that
 * does not parse is skipped, as in Envoy; a set left with none is refused. Verification uses the
 * JDK providers only. Immutable and thread-safe.
 */
public final class Jwks {
  /** One usable key: {@code kid} and {@code alg} empty when the JWK does not say. */
  record Jwk(String kid, String alg, String kty, Key key) {}

  /** A parse outcome: the set, or the status saying why there is none. */
  public record Parsed(Jwks jwks, JwtStatus status) {}

  private final List<Jwk> keys;

  private Jwks(List<Jwk> keys) {
    this.keys = List.copyOf(keys);
  }

  public int size() {
    return keys.size();
  }

  public static Parsed parse(String json) {
    Struct root;
    try {
      String text = json.strip();
      if (!text.startsWith("{")) {
        return new Parsed(null, JwtStatus.JWKS_PARSE_ERROR);
      }
      Struct.Builder b = Struct.newBuilder();
      JsonFormat.parser().merge(text, b);
      root = b.build();
    } catch (InvalidProtocolBufferException e) {
      return new Parsed(null, JwtStatus.JWKS_PARSE_ERROR);
    }
    Value keysValue = root.getFieldsOrDefault("keys", null);
    if (keysValue == null) {
      return new Parsed(null, JwtStatus.JWKS_NO_KEYS);
    }
    if (keysValue.getKindCase() != Value.KindCase.LIST_VALUE) {
      return new Parsed(null, JwtStatus.JWKS_BAD_KEYS);
    }
    List<Jwk> keys = new ArrayList<>();
    for (Value v : keysValue.getListValue().getValuesList()) {
      if (v.getKindCase() == Value.KindCase.STRUCT_VALUE) {
        Jwk key = key(v.getStructValue());
        if (key != null) {
          keys.add(key);
        }
      }
    }
    if (keys.isEmpty()) {
      return new Parsed(null, JwtStatus.JWKS_NO_VALID_KEYS);
    }
    return new Parsed(new Jwks(keys), JwtStatus.OK);
  }

  /**
   * Envoy's key selection: a key whose {@code kid} (when both sides have one) and {@code alg} (when
   * the key has one) and type fit the token is tried; the first that verifies wins. No fitting key
   * is {@code JWKS_KID_ALG_MISMATCH}; fitting keys that all fail is {@code JWT_VERIFICATION_FAIL}.
   */
  public JwtStatus verify(Jwt jwt) {
    boolean matched = false;
    for (Jwk key : keys) {
      if (!jwt.kid().isEmpty() && !key.kid().isEmpty() && !key.kid().equals(jwt.kid())) {
        continue;
      }
      if (!key.alg().isEmpty() && !key.alg().equals(jwt.alg())) {
        continue;
      }
      if (!key.kty().equals(ktyFor(jwt.alg()))) {
        continue;
      }
      matched = true;
      if (verifies(key, jwt)) {
        return JwtStatus.OK;
      }
    }
    return matched ? JwtStatus.JWT_VERIFICATION_FAIL : JwtStatus.JWKS_KID_ALG_MISMATCH;
  }

  private static String ktyFor(String alg) {
    return switch (alg.substring(0, 2)) {
      case "RS", "PS" -> "RSA";
      case "ES" -> "EC";
      case "HS" -> "oct";
      default -> "OKP";
    };
  }

  private static boolean verifies(Jwk key, Jwt jwt) {
    try {
      String alg = jwt.alg();
      String bits = alg.substring(2);
      return switch (alg.substring(0, 2)) {
        case "RS" -> {
          Signature s = Signature.getInstance("SHA" + bits + "withRSA");
          s.initVerify((java.security.PublicKey) key.key());
          s.update(jwt.signingInput());
          yield s.verify(jwt.signature());
        }
        case "PS" -> {
          Signature s = Signature.getInstance("RSASSA-PSS");
          String digest = "SHA-" + bits;
          s.setParameter(
              new PSSParameterSpec(
                  digest,
                  "MGF1",
                  new MGF1ParameterSpec(digest),
                  Integer.parseInt(bits) / 8,
                  PSSParameterSpec.TRAILER_FIELD_BC));
          s.initVerify((java.security.PublicKey) key.key());
          s.update(jwt.signingInput());
          yield s.verify(jwt.signature());
        }
        case "ES" -> {
          int size = bits.equals("512") ? 66 : Integer.parseInt(bits) / 8;
          if (jwt.signature().length != 2 * size) {
            yield false;
          }
          Signature s = Signature.getInstance("SHA" + bits + "withECDSAinP1363Format");
          s.initVerify((java.security.PublicKey) key.key());
          s.update(jwt.signingInput());
          yield s.verify(jwt.signature());
        }
        case "HS" -> {
          Mac mac = Mac.getInstance("HmacSHA" + bits);
          mac.init(key.key());
          yield java.security.MessageDigest.isEqual(
              mac.doFinal(jwt.signingInput()), jwt.signature());
        }
        default -> false;
      };
    } catch (SignatureException | InvalidKeyException e) {
      return false; // a malformed signature or a key of the wrong size: it does not verify
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("JDK lacks a standard JWS algorithm", e);
    }
  }

  private static Jwk key(Struct jwk) {
    String kty = string(jwk, "kty");
    String kid = string(jwk, "kid");
    String alg = string(jwk, "alg");
    if (kty == null || kid == null || alg == null) {
      return null;
    }
    try {
      return switch (kty) {
        case "RSA" -> {
          if (!alg.isEmpty() && !alg.startsWith("RS") && !alg.startsWith("PS")) {
            yield null;
          }
          BigInteger n = unsigned(string(jwk, "n"));
          BigInteger e = unsigned(string(jwk, "e"));
          yield new Jwk(
              kid,
              alg,
              kty,
              KeyFactory.getInstance("RSA").generatePublic(new RSAPublicKeySpec(n, e)));
        }
        case "EC" -> {
          if (!alg.isEmpty() && !alg.startsWith("ES")) {
            yield null;
          }
          String crv = string(jwk, "crv");
          String curve = curveFor(crv == null || crv.isEmpty() ? crvFor(alg) : crv);
          if (curve == null || (!alg.isEmpty() && !curve.equals(curveFor(crvFor(alg))))) {
            yield null;
          }
          AlgorithmParameters params = AlgorithmParameters.getInstance("EC");
          params.init(new ECGenParameterSpec(curve));
          ECParameterSpec spec = params.getParameterSpec(ECParameterSpec.class);
          ECPoint point = new ECPoint(unsigned(string(jwk, "x")), unsigned(string(jwk, "y")));
          yield new Jwk(
              kid,
              alg,
              kty,
              KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec)));
        }
        case "oct" -> {
          if (!alg.isEmpty() && !alg.startsWith("HS")) {
            yield null;
          }
          byte[] k = Base64.getUrlDecoder().decode(string(jwk, "k"));
          yield k.length == 0 ? null : new Jwk(kid, alg, kty, new SecretKeySpec(k, "HmacSHA256"));
        }
        default -> null;
      };
    } catch (GeneralSecurityException | IllegalArgumentException | NullPointerException e) {
      return null; // Envoy skips a key it cannot build and keeps the others
    }
  }

  private static String crvFor(String alg) {
    return switch (alg) {
      case "ES384" -> "P-384";
      case "ES512" -> "P-521";
      default -> "P-256";
    };
  }

  private static String curveFor(String crv) {
    return switch (crv) {
      case "P-256" -> "secp256r1";
      case "P-384" -> "secp384r1";
      case "P-521" -> "secp521r1";
      default -> null;
    };
  }

  /** A string member, "" when absent, null when present with another type. */
  private static String string(Struct s, String name) {
    Value v = s.getFieldsOrDefault(name, null);
    if (v == null) {
      return "";
    }
    return v.getKindCase() == Value.KindCase.STRING_VALUE ? v.getStringValue() : null;
  }

  private static BigInteger unsigned(String base64url) {
    byte[] bytes = Base64.getUrlDecoder().decode(base64url);
    if (bytes.length == 0) {
      throw new IllegalArgumentException("empty key component");
    }
    return new BigInteger(1, bytes);
  }
}
