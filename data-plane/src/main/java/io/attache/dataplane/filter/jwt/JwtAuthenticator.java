package io.attache.dataplane.filter.jwt;

import com.google.protobuf.ListValue;
import com.google.protobuf.Struct;
import com.google.protobuf.Value;
import io.attache.dataplane.filter.jwt.JwtProviderConfig.ClaimToHeader;
import io.attache.dataplane.filter.jwt.JwtVerification.Outcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Envoy's authenticator: verifies every token found at a set of providers' locations. Each token is
 * parsed, its issuer checked against its location and mapped to a provider, its time (with the
 * provider's clock skew) and audiences checked, then its signature against the provider's keys; a
 * good token asks for its payload/claim headers and, unless forwarded, for its header's removal.
 * Unless missing or failed tokens are allowed, every token must pass. Stateless; immutable.
 *
 * @param provider the provider a {@code provider_name} requirement names; null for the {@code
 *     allow_missing}/{@code allow_missing_or_failed} authenticators, which pick the provider by the
 *     token's issuer
 * @param audiences {@code provider_and_audiences}' audiences, replacing the provider's; null if
 *     none
 */
record JwtAuthenticator(
    List<JwtProviderConfig> locationsOf,
    JwtProviderConfig provider,
    Set<String> audiences,
    boolean allowFailed,
    boolean allowMissing) {

  Outcome verify(JwtVerification v) {
    List<ExtractedToken> tokens =
        new ArrayList<>(ExtractedToken.extract(locationsOf, v.headers, v.uri));
    if (tokens.isEmpty()) {
      return Outcome.of(done(JwtStatus.JWT_MISSED));
    }
    while (true) {
      ExtractedToken token = tokens.remove(tokens.size() - 1); // Envoy pops from the back
      Outcome one = verifyOne(token, v);
      if (one.needsFetch()) {
        return one;
      }
      JwtStatus status = one.status();
      if ((status != JwtStatus.OK && !allowFailed && !allowMissing) || tokens.isEmpty()) {
        return Outcome.of(done(status));
      }
    }
  }

  private JwtStatus done(JwtStatus status) {
    if (allowFailed || (allowMissing && status == JwtStatus.JWT_MISSED)) {
      return JwtStatus.OK;
    }
    return status;
  }

  private Outcome verifyOne(ExtractedToken token, JwtVerification v) {
    Jwt.Parsed parsed = Jwt.parse(token.token());
    if (parsed.status() != JwtStatus.OK) {
      return Outcome.of(parsed.status());
    }
    Jwt jwt = parsed.jwt();
    if (!token.issuerAllowed(jwt.issuer())) {
      return Outcome.of(JwtStatus.JWT_UNKNOWN_ISSUER);
    }
    JwksCache keys = provider != null ? v.providers.get(provider.name()) : byIssuer(jwt, v);
    if (keys == null) {
      return Outcome.of(JwtStatus.JWT_UNKNOWN_ISSUER);
    }
    JwtProviderConfig p = keys.provider();
    JwtStatus time = jwt.checkTime(v.nowSeconds, p.clockSkewSeconds());
    if (time != JwtStatus.OK) {
      return Outcome.of(time);
    }
    if (!JwtProviderConfig.audiencesAllowed(
        audiences != null ? audiences : p.audiences(), jwt.audiences())) {
      return Outcome.of(JwtStatus.JWT_AUDIENCE_NOT_ALLOWED);
    }
    Jwks jwks = keys.current();
    if (jwks == null) {
      if (v.fetchFailed(p.name())) {
        return Outcome.of(JwtStatus.JWKS_FETCH_FAIL);
      }
      return Outcome.fetch(p.name());
    }
    JwtStatus signature = jwks.verify(jwt);
    if (signature != JwtStatus.OK) {
      return Outcome.of(signature);
    }
    accept(p, jwt, token, v);
    return Outcome.of(JwtStatus.OK);
  }

  /**
   * The provider for a token when none is named: the first with the token's issuer, else the first
   * without an issuer (Envoy's {@code findByIssuer}).
   */
  private static JwksCache byIssuer(Jwt jwt, JwtVerification v) {
    JwksCache anyIssuer = null;
    for (JwksCache c : v.providers.values()) {
      String issuer = c.provider().issuer();
      if (issuer.equals(jwt.issuer())) {
        return c;
      }
      if (issuer.isEmpty() && anyIssuer == null) {
        anyIssuer = c;
      }
    }
    return anyIssuer;
  }

  private static void accept(
      JwtProviderConfig p, Jwt jwt, ExtractedToken token, JwtVerification v) {
    if (!p.forwardPayloadHeader().isEmpty()) {
      String payload = jwt.payloadBase64Url();
      if (p.padForwardPayloadHeader()) {
        payload = payload + "=".repeat((4 - payload.length() % 4) % 4);
      }
      String value = payload;
      v.change(h -> h.add(p.forwardPayloadHeader(), value));
    }
    for (ClaimToHeader c : p.claimToHeaders()) {
      String value = claimValue(jwt.payload(), c.claimName());
      if (value != null && !value.isEmpty()) {
        v.change(h -> h.add(c.headerName(), value));
      }
    }
    if (!p.payloadInMetadata().isEmpty()) {
      v.extract(p.payloadInMetadata(), normalised(jwt.payload(), p.spaceDelimitedClaims()));
    }
    if (!p.headerInMetadata().isEmpty()) {
      v.extract(p.headerInMetadata(), jwt.header());
    }
    if (!p.forward() && token.headerName() != null) {
      String name = token.headerName();
      v.change(h -> h.remove(name));
    }
  }

  /**
   * The payload with each of {@code spaceDelimitedClaims} that holds a string turned into the list
   * of its space-separated words ({@code "read write"} → {@code ["read", "write"]}), as Envoy's
   * {@code normalize_payload_in_metadata} does; other claims unchanged.
   */
  static Struct normalised(Struct payload, List<String> spaceDelimitedClaims) {
    if (spaceDelimitedClaims.isEmpty()) {
      return payload;
    }
    Struct.Builder out = payload.toBuilder();
    for (String claim : spaceDelimitedClaims) {
      Value value = payload.getFieldsOrDefault(claim, null);
      if (value == null || value.getKindCase() != Value.KindCase.STRING_VALUE) {
        continue;
      }
      ListValue.Builder words = ListValue.newBuilder();
      for (String word : value.getStringValue().split(" ")) {
        if (!word.isEmpty()) {
          words.addValues(Value.newBuilder().setStringValue(word));
        }
      }
      out.putFields(claim, Value.newBuilder().setListValue(words).build());
    }
    return out.build();
  }

  /**
   * A claim as Envoy copies it into a header: strings as they are, integral numbers without a
   * fraction, other numbers as C's {@code %f}, booleans as {@code true}/{@code false}; a nested
   * claim by a dotted path; null for a missing or non-primitive claim.
   */
  static String claimValue(Struct payload, String dottedName) {
    String[] parts = dottedName.split("\\.");
    Struct current = payload;
    Value v = null;
    for (int i = 0; i < parts.length; i++) {
      v = current.getFieldsOrDefault(parts[i], null);
      if (v == null) {
        return null;
      }
      if (i < parts.length - 1) {
        if (v.getKindCase() != Value.KindCase.STRUCT_VALUE) {
          return null;
        }
        current = v.getStructValue();
      }
    }
    return switch (v.getKindCase()) {
      case STRING_VALUE -> v.getStringValue();
      case BOOL_VALUE -> v.getBoolValue() ? "true" : "false";
      case NUMBER_VALUE -> {
        double d = v.getNumberValue();
        if (d >= 0 && d < 1.8446744073709552E19 && d == Math.rint(d)) {
          yield new java.math.BigDecimal(d).toBigInteger().toString();
        }
        yield String.format(java.util.Locale.ROOT, "%f", d);
      }
      default -> null;
    };
  }
}
