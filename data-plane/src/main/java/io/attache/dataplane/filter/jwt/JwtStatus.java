package io.attache.dataplane.filter.jwt;

/**
 * Why a token was accepted or refused, with the exact messages Envoy's jwt_authn filter (its {@code
 * jwt_verify_lib}) sends as the 401/403 body and in {@code jwt_authn_access_denied{...}}. Only the
 * outcomes this filter can produce are listed.
 */
public enum JwtStatus {
  OK("OK"),
  JWT_MISSED("Jwt is missing"),
  JWT_NOT_YET_VALID("Jwt not yet valid"),
  JWT_EXPIRED("Jwt is expired"),
  JWT_BAD_FORMAT("Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections"),
  JWT_HEADER_PARSE_ERROR("Jwt header is an invalid Base64url input or an invalid JSON"),
  JWT_HEADER_BAD_ALG("Jwt header [alg] field is not a string"),
  JWT_HEADER_NOT_IMPLEMENTED_ALG("Jwt header [alg] field value is invalid"),
  JWT_HEADER_BAD_KID("Jwt header [kid] field is not a string"),
  JWT_PAYLOAD_PARSE_ERROR("Jwt payload is an invalid Base64 or an invalid JSON"),
  JWT_SIGNATURE_PARSE_ERROR("Jwt signature is an invalid Base64"),
  JWT_UNKNOWN_ISSUER("Jwt issuer is not configured"),
  JWT_AUDIENCE_NOT_ALLOWED("Audiences in Jwt are not allowed"),
  JWT_VERIFICATION_FAIL("Jwt verification fails"),
  JWKS_PARSE_ERROR("Jwks is an invalid JSON"),
  JWKS_NO_KEYS("Jwks does not have [keys] field"),
  JWKS_BAD_KEYS("[keys] in Jwks is not an array"),
  JWKS_NO_VALID_KEYS("Jwks doesn't have any valid public key"),
  JWKS_KID_ALG_MISMATCH("Jwks doesn't have key to match kid or alg from Jwt"),
  JWKS_FETCH_FAIL("Jwks remote fetch is failed");

  private final String message;

  JwtStatus(String message) {
    this.message = message;
  }

  /** Envoy's text for this status: the local reply's body. */
  public String message() {
    return message;
  }

  /** Envoy's response code details: the message with whitespace replaced by underscores. */
  public String responseCodeDetails() {
    return "jwt_authn_access_denied{" + message.replaceAll("\\s", "_") + "}";
  }
}
