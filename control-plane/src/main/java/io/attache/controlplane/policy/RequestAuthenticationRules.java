package io.attache.controlplane.policy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.api.policy.v1.ClaimToHeader;
import io.attache.api.policy.v1.JwtHeaderLocation;
import io.attache.api.policy.v1.JwtRule;
import io.attache.api.policy.v1.RequestAuthentication;
import io.attache.controlplane.validate.Violation;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The checks on a service's {@code request_authentication} (end-user JWT rules), by field path, for
 * {@link PolicyValidator}: what Envoy's jwt_authn needs of each provider, so a sidecar never NACKs
 * or fails open. Adds violations; never throws, never fetches a {@code jwks_uri}.
 */
final class RequestAuthenticationRules {
  private static final ObjectMapper JWKS_READER = new ObjectMapper();

  private RequestAuthenticationRules() {}

  /** Adds a violation for each field of {@code authentication} Envoy's jwt_authn would refuse. */
  static void check(RequestAuthentication authentication, String at, List<Violation> out) {
    if (authentication.getJwtRulesCount() == 0) {
      out.add(new Violation(at + ".jwt_rules", "must hold at least one rule"));
    }
    Set<String> issuers = new HashSet<>();
    for (int i = 0; i < authentication.getJwtRulesCount(); i++) {
      JwtRule rule = authentication.getJwtRules(i);
      String ruleAt = at + ".jwt_rules[" + i + "]";
      if (!PolicyValidator.PRINTABLE.matcher(rule.getIssuer()).matches()) {
        out.add(
            new Violation(
                ruleAt + ".issuer",
                rule.getIssuer().isEmpty()
                    ? "is required: the iss claim of the tokens this rule accepts"
                    : "must be printable ASCII without spaces"));
      } else if (!issuers.add(rule.getIssuer())) {
        out.add(
            new Violation(
                ruleAt + ".issuer",
                "'" + rule.getIssuer() + "' has a rule already: one rule per issuer"));
      }
      for (int j = 0; j < rule.getAudiencesCount(); j++) {
        checkPrintable(rule.getAudiences(j), ruleAt + ".audiences[" + j + "]", out);
      }
      boolean inline = !rule.getJwks().isEmpty();
      boolean remote = !rule.getJwksUri().isEmpty();
      if (inline == remote) {
        out.add(new Violation(ruleAt + ".jwks", "exactly one of jwks and jwks_uri is required"));
      } else if (inline) {
        checkJwks(rule.getJwks(), ruleAt + ".jwks", out);
      } else {
        StringBuilder why = new StringBuilder();
        if (JwksUri.parse(rule.getJwksUri(), why).isEmpty()) {
          out.add(new Violation(ruleAt + ".jwks_uri", why.toString()));
        }
      }
      for (int j = 0; j < rule.getFromHeadersCount(); j++) {
        JwtHeaderLocation header = rule.getFromHeaders(j);
        PolicyValidator.checkHeaderName(
            header.getName(), ruleAt + ".from_headers[" + j + "].name", out);
        if (header.getPrefix().matches("(?s).*[\u0000\r\n].*")) {
          out.add(
              new Violation(
                  ruleAt + ".from_headers[" + j + "].prefix", "must not contain NUL, CR or LF"));
        }
      }
      for (int j = 0; j < rule.getFromParamsCount(); j++) {
        checkPrintable(rule.getFromParams(j), ruleAt + ".from_params[" + j + "]", out);
      }
      for (int j = 0; j < rule.getOutputClaimToHeadersCount(); j++) {
        ClaimToHeader claim = rule.getOutputClaimToHeaders(j);
        String claimAt = ruleAt + ".output_claim_to_headers[" + j + "]";
        PolicyValidator.checkHeaderName(claim.getHeader(), claimAt + ".header", out);
        checkPrintable(claim.getClaim(), claimAt + ".claim", out);
      }
      if (!rule.getOutputPayloadToHeader().isEmpty()) {
        PolicyValidator.checkHeaderName(
            rule.getOutputPayloadToHeader(), ruleAt + ".output_payload_to_header", out);
      }
    }
  }

  /** A JSON Web Key Set (RFC 7517): an object whose "keys" is a non-empty list of keys. */
  private static void checkJwks(String jwks, String at, List<Violation> out) {
    JsonNode parsed;
    try {
      parsed = JWKS_READER.readTree(jwks);
    } catch (JsonProcessingException e) {
      out.add(new Violation(at, "is not JSON: " + e.getOriginalMessage()));
      return;
    }
    JsonNode keys = parsed == null ? null : parsed.get("keys");
    if (keys == null || !keys.isArray() || keys.isEmpty()) {
      out.add(new Violation(at, "must be a JSON Web Key Set: an object with a non-empty \"keys\""));
      return;
    }
    for (int i = 0; i < keys.size(); i++) {
      JsonNode kty = keys.get(i).get("kty");
      if (kty == null || !kty.isTextual()) {
        out.add(new Violation(at, "keys[" + i + "] has no \"kty\": not a JSON Web Key"));
      }
    }
  }

  private static void checkPrintable(String value, String at, List<Violation> out) {
    if (!PolicyValidator.PRINTABLE.matcher(value).matches()) {
      out.add(new Violation(at, "must be printable ASCII without spaces"));
    }
  }
}
