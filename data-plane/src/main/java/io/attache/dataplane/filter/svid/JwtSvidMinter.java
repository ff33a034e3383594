package io.attache.dataplane.filter.svid;

import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import io.attache.dataplane.json.JsonStrings;
import io.attache.dataplane.stats.Counter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.time.Clock;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Mints the caller's JWT-SVIDs (SPIFFE JWT-SVID: ES256 compact JWS with {@code iss}, {@code sub},
 * {@code aud}, {@code iat}, {@code exp}; {@code kid} in the header) and keeps one per audience
 * until less than half of its lifetime is left, so a signature is paid once per audience and
 * half-life, not per request. Shared by every event loop of a listener: thread-safe. A signature
 * runs on the event loop of the request that finds the token due (the JDK's P-256 signing measured
 * about 3 ms on the shared 2-core build machine under load 20), which a request pays once per
 * audience and half-life; concurrent requests for the same audience wait for that one signature
 * rather than signing again. Audiences come from the route configuration only, never from a
 * request, so the cache is bounded by the routes. A token minted with another key than the one
 * asked for (the key rotated) is re-minted with the new one.
 */
final class JwtSvidMinter {
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();

  /** A minted token, the key that signed it and the epoch second from which it is re-minted. */
  private record Minted(String token, String kid, long renewAtEpochSecond) {}

  private final ServiceIdentityTokenConfig config;
  private final Clock clock;
  private final Counter minted;
  private final Map<String, Minted> byAudience = new ConcurrentHashMap<>();

  /** {@code minted} counts the signatures. */
  JwtSvidMinter(ServiceIdentityTokenConfig config, Clock clock, Counter minted) {
    this.config = config;
    this.clock = clock;
    this.minted = minted;
  }

  /**
   * A valid token for {@code audience} signed with {@code key}: the cached one, or a new one once
   * half its life is gone or the key changed.
   */
  String token(String audience, SigningKey key) {
    long now = clock.instant().getEpochSecond();
    return byAudience
        .compute(
            audience,
            (aud, cached) ->
                cached != null
                        && now < cached.renewAtEpochSecond()
                        && cached.kid().equals(key.kid())
                    ? cached
                    : mint(aud, key, now))
        .token();
  }

  private Minted mint(String audience, SigningKey key, long now) {
    StringBuilder header = new StringBuilder("{\"alg\":\"ES256\",\"kid\":");
    JsonStrings.appendString(header, key.kid());
    header.append(",\"typ\":\"JWT\"}");
    long lifetime = Math.max(1, config.lifetime().toSeconds());
    StringBuilder payload = new StringBuilder("{\"iss\":");
    JsonStrings.appendString(payload, config.issuer());
    payload.append(",\"sub\":");
    JsonStrings.appendString(payload, config.subject());
    payload.append(",\"aud\":");
    JsonStrings.appendString(payload, audience);
    payload.append(",\"iat\":").append(now).append(",\"exp\":").append(now + lifetime).append('}');
    String input =
        B64.encodeToString(header.toString().getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(payload.toString().getBytes(StandardCharsets.UTF_8));
    try {
      Signature signature = Signature.getInstance("SHA256withECDSAinP1363Format");
      signature.initSign(key.key());
      signature.update(input.getBytes(StandardCharsets.US_ASCII));
      minted.inc();
      return new Minted(
          input + "." + B64.encodeToString(signature.sign()), key.kid(), now + (lifetime + 1) / 2);
    } catch (GeneralSecurityException e) {
      // Keys are checked to be EC P-256 when parsed; the JDK always has ES256.
      throw new IllegalStateException("ES256 signing failed", e);
    }
  }
}
