package io.attache.dataplane.filter.svid;

import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.api.ext.v1.ServiceIdentityTokenPerRoute;
import io.attache.dataplane.config.ConfigException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code attache.ext.v1.ServiceIdentityToken}, parsed and checked once: the caller's issuer and
 * SPIFFE ID, where its ES256 signing key comes from (inline, or an SDS secret a control plane
 * rotates), the token lifetime and the header that carries it. Immutable.
 *
 * @param inlineKey the key given in the config; empty when it comes over SDS
 * @param sdsSecretName the SDS secret holding the key; empty when it is inline
 * @param header lower-cased request header name
 */
public record ServiceIdentityTokenConfig(
    String issuer,
    String subject,
    Optional<SigningKey> inlineKey,
    String sdsSecretName,
    Duration lifetime,
    String header) {

  /** An ES256 key and the JWS {@code kid} that names its public half in the trust domain's JWKS. */
  public record SigningKey(String kid, ECPrivateKey key) {
    @Override
    public String toString() {
      return "SigningKey[kid=" + kid + "]";
    }
  }

  public static final String FILTER_NAME = "attache.filters.http.service_identity_token";
  static final String TYPE_URL = "type.googleapis.com/attache.ext.v1.ServiceIdentityToken";
  static final String PER_ROUTE_TYPE_URL =
      "type.googleapis.com/attache.ext.v1.ServiceIdentityTokenPerRoute";

  static final String DEFAULT_HEADER = "x-service-identity";
  static final Duration DEFAULT_LIFETIME = Duration.ofMinutes(5);
  static final Duration MAX_LIFETIME = Duration.ofHours(24);

  /** A route's {@code ServiceIdentityTokenPerRoute}: the callee its tokens are for. */
  public record Audience(String audience) {}

  /** True when the token travels as {@code authorization: Bearer <token>}. */
  boolean bearer() {
    return header.equals("authorization");
  }

  static ServiceIdentityTokenConfig from(Any typedConfig, String path) throws ConfigException {
    ServiceIdentityToken proto;
    try {
      proto = typedConfig.unpack(ServiceIdentityToken.class);
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a ServiceIdentityToken: " + e.getMessage(), e);
    }
    if (proto.getIssuer().isEmpty()) {
      throw new ConfigException(path + ".issuer", "is required");
    }
    if (!proto.getSubject().startsWith("spiffe://")) {
      throw new ConfigException(path + ".subject", "must be a SPIFFE ID (spiffe://...)");
    }
    Optional<SigningKey> inlineKey = Optional.empty();
    String sdsSecretName = proto.getSigningKeySdsSecretName();
    if (proto.hasSigningKey() == !sdsSecretName.isEmpty()) {
      throw new ConfigException(
          path + ".signing_key", "exactly one of signing_key, signing_key_sds_secret_name is set");
    }
    if (proto.hasSigningKey()) {
      if (proto.getSigningKey().getKid().isEmpty()) {
        throw new ConfigException(path + ".signing_key.kid", "is required");
      }
      inlineKey =
          Optional.of(
              new SigningKey(
                  proto.getSigningKey().getKid(),
                  parseP256(
                      proto.getSigningKey().getPrivateKeyPem(),
                      path + ".signing_key.private_key_pem")));
    }
    Duration lifetime = DEFAULT_LIFETIME;
    if (proto.hasLifetime()) {
      lifetime =
          Duration.ofSeconds(proto.getLifetime().getSeconds(), proto.getLifetime().getNanos());
      if (lifetime.compareTo(Duration.ofSeconds(1)) < 0 || lifetime.compareTo(MAX_LIFETIME) > 0) {
        throw new ConfigException(path + ".lifetime", "must be between 1s and 24h");
      }
    }
    String header =
        proto.getHeader().isEmpty() ? DEFAULT_HEADER : proto.getHeader().toLowerCase(Locale.ROOT);
    if (!header.matches("[a-z0-9!#$%&'*+.^_`|~-]+")) {
      throw new ConfigException(path + ".header", "is not a valid header name");
    }
    return new ServiceIdentityTokenConfig(
        proto.getIssuer(), proto.getSubject(), inlineKey, sdsSecretName, lifetime, header);
  }

  static Audience perRoute(Any typedConfig, String path) throws ConfigException {
    try {
      return new Audience(typedConfig.unpack(ServiceIdentityTokenPerRoute.class).getAudience());
    } catch (InvalidProtocolBufferException e) {
      throw new ConfigException(path, "not a ServiceIdentityTokenPerRoute: " + e.getMessage(), e);
    }
  }

  private static ECPrivateKey parseP256(String pem, String path) throws ConfigException {
    String base64 =
        pem.replace("-----BEGIN PRIVATE KEY-----", "")
            .replace("-----END PRIVATE KEY-----", "")
            .replaceAll("\\s", "");
    if (base64.isEmpty()) {
      throw new ConfigException(path, "is required (PKCS#8 PEM of an EC P-256 key)");
    }
    try {
      byte[] der = Base64.getDecoder().decode(base64);
      if (KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der))
              instanceof ECPrivateKey ec
          && ec.getParams().getCurve().getField().getFieldSize() == 256) {
        return ec;
      }
    } catch (IllegalArgumentException | GeneralSecurityException e) {
      throw new ConfigException(path, "is not a PKCS#8 EC private key: " + e.getMessage(), e);
    }
    throw new ConfigException(path, "must be an EC P-256 key (ES256)");
  }
}
