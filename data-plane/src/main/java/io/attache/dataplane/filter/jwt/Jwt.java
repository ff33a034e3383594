package io.attache.dataplane.filter.jwt;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import com.google.protobuf.util.JsonFormat;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;

/**
 * One compact-serialised JWS token, parsed as Envoy's {@code jwt_verify_lib} parses it: three
 * base64url sections, a JSON header with a supported {@code alg}, a JSON payload whose registered
 * claims have the right types, and a signature. Parsing checks form only; the signature, issuer,
 * audience and time are checked by {@link JwtAuthenticator}. Immutable.
 *
 * @param header the JOSE header (for {@code header_in_metadata})
 * @param payloadBase64Url the payload section as it appeared in the token (for {@code
 *     forward_payload_header})
 * @param signingInput the bytes the signature covers ({@code header.payload})
 * @param audiences {@code aud} as a list (a single string becomes one entry)
 * @param notBefore {@code nbf}, 0 when absent
 * @param expiry {@code exp}, 0 when absent
 */
public record Jwt(
    String alg,
    String kid,
    String issuer,
    String subject,
    List<String> audiences,
    long notBefore,
    long expiry,
    Struct header,
    Struct payload,
    String payloadBase64Url,
    byte[] signingInput,
    byte[] signature) {

  /** The algorithms Envoy accepts in a token header. */
  static final Set<String> SUPPORTED_ALGS =
      Set.of(
          "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "HS256",
          "HS384", "HS512", "EdDSA");

  /** A parse outcome: the token, or the status saying what is wrong with it. */
  public record Parsed(Jwt jwt, JwtStatus status) {
    static Parsed failed(JwtStatus status) {
      return new Parsed(null, status);
    }
  }

  private static final Base64.Decoder BASE64URL = Base64.getUrlDecoder();

  public static Parsed parse(String token) {
    String[] parts = token.split("\\.", -1);
    if (parts.length != 3) {
      return Parsed.failed(JwtStatus.JWT_BAD_FORMAT);
    }
    Struct header;
    try {
      header = json(decode(parts[0]));
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return Parsed.failed(JwtStatus.JWT_HEADER_PARSE_ERROR);
    }
    Value alg = header.getFieldsOrDefault("alg", null);
    if (alg == null || alg.getKindCase() != Value.KindCase.STRING_VALUE) {
      return Parsed.failed(JwtStatus.JWT_HEADER_BAD_ALG);
    }
    if (!SUPPORTED_ALGS.contains(alg.getStringValue())) {
      return Parsed.failed(JwtStatus.JWT_HEADER_NOT_IMPLEMENTED_ALG);
    }
    Value kid = header.getFieldsOrDefault("kid", null);
    if (kid != null && kid.getKindCase() != Value.KindCase.STRING_VALUE) {
      return Parsed.failed(JwtStatus.JWT_HEADER_BAD_KID);
    }
    Struct payload;
    try {
      payload = json(decode(parts[1]));
    } catch (IllegalArgumentException | InvalidProtocolBufferException e) {
      return Parsed.failed(JwtStatus.JWT_PAYLOAD_PARSE_ERROR);
    }
    byte[] signature;
    try {
      signature = decode(parts[2]);
    } catch (IllegalArgumentException e) {
      return Parsed.failed(JwtStatus.JWT_SIGNATURE_PARSE_ERROR);
    }
    try {
      return new Parsed(
          new Jwt(
              alg.getStringValue(),
              kid == null ? "" : kid.getStringValue(),
              stringClaim(payload, "iss"),
              stringClaim(payload, "sub"),
              audiences(payload),
              timeClaim(payload, "nbf"),
              timeClaim(payload, "exp"),
              header,
              payload,
              parts[1],
              (parts[0] + "." + parts[1]).getBytes(StandardCharsets.US_ASCII),
              signature),
          JwtStatus.OK);
    } catch (IllegalArgumentException badClaim) {
      return Parsed.failed(JwtStatus.JWT_PAYLOAD_PARSE_ERROR);
    }
  }

  /**
   * Envoy's time check: not valid before {@code nbf - skew}, expired after {@code exp + skew}.
   *
   * @param nowSeconds wall-clock seconds since the epoch
   */
  public JwtStatus checkTime(long nowSeconds, long clockSkewSeconds) {
    if (notBefore != 0 && nowSeconds + clockSkewSeconds < notBefore) {
      return JwtStatus.JWT_NOT_YET_VALID;
    }
    if (expiry != 0 && nowSeconds > expiry + clockSkewSeconds) {
      return JwtStatus.JWT_EXPIRED;
    }
    return JwtStatus.OK;
  }

  private static byte[] decode(String section) {
    if (section.isEmpty()) {
      return new byte[0];
    }
    return BASE64URL.decode(section);
  }

  private static Struct json(byte[] bytes) throws InvalidProtocolBufferException {
    String text = new String(bytes, StandardCharsets.UTF_8).strip();
    if (!text.startsWith("{")) {
      throw new InvalidProtocolBufferException("not a JSON object");
    }
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(text, b);
    return b.build();
  }

  private static String stringClaim(Struct payload, String name) {
    Value v = payload.getFieldsOrDefault(name, null);
    if (v == null) {
      return "";
    }
    if (v.getKindCase() != Value.KindCase.STRING_VALUE) {
      throw new IllegalArgumentException(name + " is not a string");
    }
    return v.getStringValue();
  }

  private static long timeClaim(Struct payload, String name) {
    Value v = payload.getFieldsOrDefault(name, null);
    if (v == null) {
      return 0;
    }
    if (v.getKindCase() != Value.KindCase.NUMBER_VALUE || v.getNumberValue() < 0) {
      throw new IllegalArgumentException(name + " is not a positive number");
    }
    return (long) v.getNumberValue();
  }

  private static List<String> audiences(Struct payload) {
    Value v = payload.getFieldsOrDefault("aud", null);
    if (v == null) {
      return List.of();
    }
    if (v.getKindCase() == Value.KindCase.STRING_VALUE) {
      return List.of(v.getStringValue());
    }
    if (v.getKindCase() != Value.KindCase.LIST_VALUE) {
      throw new IllegalArgumentException("aud is neither a string nor a list");
    }
    List<String> out = new ArrayList<>();
    for (Value each : v.getListValue().getValuesList()) {
      if (each.getKindCase() != Value.KindCase.STRING_VALUE) {
        throw new IllegalArgumentException("aud holds a non-string");
      }
      out.add(each.getStringValue());
    }
    return List.copyOf(out);
  }
}
