package io.attache.controlplane.ca;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.attache.controlplane.identity.SpiffeId;
import io.attache.controlplane.testing.ManualScheduler;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECPoint;
import java.security.spec.ECPublicKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Per-identity signing keys on virtual time: pre-publication, rotation, overlap and the JWKS. */
class SvidSigningKeysTest {
  private static final SpiffeId ORDERS = new SpiffeId("attache.local", "shop", "orders");
  private static final SpiffeId USERS = new SpiffeId("attache.local", "shop", "users");
  private static final Duration PERIOD = Duration.ofHours(6);

  private final ManualScheduler scheduler = new ManualScheduler();
  private final List<SvidSigningKey> generated = new ArrayList<>();
  private final SvidSigningKeys keys =
      new SvidSigningKeys(
          PERIOD,
          scheduler,
          () -> {
            SvidSigningKey key = SvidSigningKey.generate();
            generated.add(key);
            return key;
          });

  @AfterEach
  void noTimersLeft() {
    keys.close();
    assertThat(scheduler.pendingDelays()).isEmpty();
  }

  @Test
  void anIdentityGetsItsKeyOnFirstDemandWithTheNextOneAlreadyPublished() throws Exception {
    assertThat(kids(keys.jwks())).isEmpty();

    SvidSigningKey current = keys.currentFor(ORDERS);

    assertThat(keys.currentFor(ORDERS)).isSameAs(current);
    assertThat(generated).hasSize(2).first().isSameAs(current);
    assertThat(kids(keys.jwks())).containsExactly(current.kid(), generated.get(1).kid());
    assertThat(scheduler.pendingDelays()).containsExactly(PERIOD);
  }

  @Test
  void eachRotationSignsWithThePrePublishedKeyAndKeepsThePreviousOneForAPeriod() throws Exception {
    List<SpiffeId> rotated = new CopyOnWriteArrayList<>();
    keys.addRotationListener(rotated::add);
    SvidSigningKey first = keys.currentFor(ORDERS);
    SvidSigningKey second = generated.get(1);

    scheduler.advance(PERIOD.minusSeconds(1));
    assertThat(keys.currentFor(ORDERS)).isSameAs(first);
    assertThat(rotated).isEmpty();

    scheduler.advance(Duration.ofSeconds(1));
    SvidSigningKey third = generated.get(2);
    assertThat(rotated).containsExactly(ORDERS);
    assertThat(keys.currentFor(ORDERS)).isSameAs(second);
    assertThat(kids(keys.jwks())).containsExactly(first.kid(), second.kid(), third.kid());

    scheduler.advance(PERIOD);
    assertThat(keys.currentFor(ORDERS)).isSameAs(third);
    assertThat(kids(keys.jwks()))
        .containsExactly(second.kid(), third.kid(), generated.get(3).kid())
        .doesNotContain(first.kid());
    assertThat(rotated).containsExactly(ORDERS, ORDERS);
    assertThat(scheduler.pendingDelays()).containsExactly(PERIOD);
  }

  @Test
  void identitiesHaveTheirOwnKeysAndTheJwksListsThemInIdentityOrder() {
    SvidSigningKey users = keys.currentFor(USERS);
    SvidSigningKey orders = keys.currentFor(ORDERS);

    assertThat(orders.kid()).isNotEqualTo(users.kid());
    assertThat(kids(keys.jwks()))
        .containsExactly(orders.kid(), generated.get(3).kid(), users.kid(), generated.get(1).kid());
  }

  @Test
  void theJwksHoldsPublicEs256KeysNamedByTheirRfc7638ThumbprintAndNoPrivateMember()
      throws Exception {
    SvidSigningKey current = keys.currentFor(ORDERS);

    JsonNode jwk = new ObjectMapper().readTree(keys.jwks()).get("keys").get(0);

    assertThat(jwk.get("kty").asText()).isEqualTo("EC");
    assertThat(jwk.get("crv").asText()).isEqualTo("P-256");
    assertThat(jwk.get("alg").asText()).isEqualTo("ES256");
    assertThat(jwk.get("use").asText()).isEqualTo("sig");
    assertThat(jwk.has("d")).isFalse();
    String thumbprintInput =
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"%s\",\"y\":\"%s\"}"
            .formatted(jwk.get("x").asText(), jwk.get("y").asText());
    assertThat(jwk.get("kid").asText())
        .isEqualTo(
            Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString(
                    MessageDigest.getInstance("SHA-256")
                        .digest(thumbprintInput.getBytes(StandardCharsets.US_ASCII))))
        .isEqualTo(current.kid());
    ECPublicKey published = publicKey(jwk);
    assertThat(published.getW()).isEqualTo(current.publicKey().getW());
  }

  @Test
  void thePrivateJwkCarriesTheSameKidAndTheScalarOnlyThere() throws Exception {
    SvidSigningKey current = keys.currentFor(ORDERS);

    JsonNode jwk = new ObjectMapper().readTree(current.privateJwk());

    assertThat(jwk.get("kid").asText()).isEqualTo(current.kid());
    assertThat(Base64.getUrlDecoder().decode(jwk.get("d").asText())).hasSize(32);
    assertThat(current.toString()).doesNotContain(jwk.get("d").asText());
  }

  private static List<String> kids(String jwks) {
    try {
      List<String> kids = new ArrayList<>();
      new ObjectMapper().readTree(jwks).get("keys").forEach(k -> kids.add(k.get("kid").asText()));
      return kids;
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static ECPublicKey publicKey(JsonNode jwk) throws Exception {
    java.security.AlgorithmParameters params = java.security.AlgorithmParameters.getInstance("EC");
    params.init(new java.security.spec.ECGenParameterSpec("secp256r1"));
    ECPoint w =
        new ECPoint(
            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.get("x").asText())),
            new BigInteger(1, Base64.getUrlDecoder().decode(jwk.get("y").asText())));
    return (ECPublicKey)
        KeyFactory.getInstance("EC")
            .generatePublic(
                new ECPublicKeySpec(
                    w, params.getParameterSpec(java.security.spec.ECParameterSpec.class)));
  }
}
