package io.attache.dataplane.filter.svid;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Any;
import com.google.protobuf.Duration;
import io.attache.api.ext.v1.ServiceIdentityToken;
import io.attache.api.ext.v1.SigningKey;
import io.attache.dataplane.config.ConfigException;
import io.attache.dataplane.stats.Counter;
import io.attache.dataplane.stats.StatsStore;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Minting and caching JWT-SVIDs on a virtual wall clock, and the config's checks. */
class JwtSvidMinterTest {
  private static final long START = 1_700_000_000L;

  private final VirtualClock clock = new VirtualClock(Instant.ofEpochSecond(START));
  private final Counter minted = new StatsStore().counter("minted");
  private SvidKeys keys;
  private JwtSvidMinter minter;
  private ServiceIdentityTokenConfig.SigningKey key;

  @BeforeEach
  void createMinter() throws Exception {
    keys = SvidKeys.p256("mesh-1");
    minter = new JwtSvidMinter(keys.parsed(), clock, minted);
    key = keys.parsed().inlineKey().orElseThrow();
  }

  @Test
  void mintsAnEs256JwtSvidWithTheCallersIdentityTheAudienceAndTheLifetime() throws Exception {
    String token = minter.token("payments", key);

    assertThat(SvidKeys.part(token, 0))
        .isEqualTo("{\"alg\":\"ES256\",\"kid\":\"mesh-1\",\"typ\":\"JWT\"}");
    assertThat(SvidKeys.part(token, 1))
        .isEqualTo(
            "{\"iss\":\"spiffe://mesh.local\",\"sub\":\"spiffe://mesh.local/ns/shop/sa/orders\","
                + "\"aud\":\"payments\",\"iat\":%d,\"exp\":%d}".formatted(START, START + 300));
    assertThat(keys.verifies(token)).isTrue();
    assertThat(minted.value()).isEqualTo(1);
  }

  @Test
  void reusesTheTokenUntilHalfItsLifetimeIsGoneThenMintsAFreshOne() {
    String first = minter.token("payments", key);

    clock.advanceSeconds(149);
    assertThat(minter.token("payments", key)).isSameAs(first);
    assertThat(minted.value()).isEqualTo(1);

    clock.advanceSeconds(1);
    String second = minter.token("payments", key);
    assertThat(second).isNotEqualTo(first);
    assertThat(SvidKeys.part(second, 1))
        .contains("\"iat\":%d,\"exp\":%d".formatted(START + 150, START + 450));
    assertThat(minted.value()).isEqualTo(2);
  }

  @Test
  void reMintsWithTheNewKeyAsSoonAsTheKeyRotates() throws Exception {
    String first = minter.token("payments", key);
    SvidKeys rotated = SvidKeys.p256("mesh-2");

    String second = minter.token("payments", rotated.parsed().inlineKey().orElseThrow());

    assertThat(SvidKeys.part(second, 0)).contains("\"kid\":\"mesh-2\"");
    assertThat(rotated.verifies(second)).isTrue();
    assertThat(keys.verifies(second)).isFalse();
    assertThat(second).isNotEqualTo(first);
    assertThat(minted.value()).isEqualTo(2);
  }

  @Test
  void keepsOneTokenPerAudience() {
    String payments = minter.token("payments", key);
    String ledger = minter.token("ledger", key);

    assertThat(SvidKeys.part(ledger, 1)).contains("\"aud\":\"ledger\"");
    assertThat(minter.token("payments", key)).isSameAs(payments);
    assertThat(minter.token("ledger", key)).isSameAs(ledger);
    assertThat(minted.value()).isEqualTo(2);
  }

  @Test
  void escapesAnAudienceThatIsNotPlainText() {
    String token = minter.token("pay\"ments", key);

    assertThat(SvidKeys.part(token, 1)).contains("\"aud\":\"pay\\\"ments\"");
  }

  @Test
  void defaultsToFiveMinutesInXServiceIdentity() throws Exception {
    ServiceIdentityTokenConfig config =
        ServiceIdentityTokenConfig.from(
            Any.pack(keys.config().clearLifetime().build()), "typed_config");

    assertThat(config.lifetime()).isEqualTo(java.time.Duration.ofMinutes(5));
    assertThat(config.header()).isEqualTo("x-service-identity");
    assertThat(config.bearer()).isFalse();
  }

  @Test
  void takesTheSigningKeyFromAnSdsSecretWhenNamedOne() throws Exception {
    ServiceIdentityTokenConfig config =
        ServiceIdentityTokenConfig.from(
            Any.pack(
                keys.config().clearSigningKey().setSigningKeySdsSecretName("svid-key").build()),
            "typed_config");

    assertThat(config.inlineKey()).isEmpty();
    assertThat(config.sdsSecretName()).isEqualTo("svid-key");
  }

  @Test
  void carriesTheTokenAsABearerTokenInAuthorization() throws Exception {
    ServiceIdentityTokenConfig config =
        ServiceIdentityTokenConfig.from(
            Any.pack(keys.config().setHeader("Authorization").build()), "typed_config");

    assertThat(config.header()).isEqualTo("authorization");
    assertThat(config.bearer()).isTrue();
  }

  @Test
  void refusesConfigsItCannotSignWithNamingTheField() throws Exception {
    String rsaPem = SvidKeys.pem(SvidKeys.generate("RSA", null).getPrivate());
    String p384Pem =
        SvidKeys.pem(SvidKeys.generate("EC", new ECGenParameterSpec("secp384r1")).getPrivate());

    assertRefused(
        keys.config().setSigningKey(SigningKey.newBuilder().setKid("k").setPrivateKeyPem(rsaPem)),
        "typed_config.signing_key.private_key_pem");
    assertRefused(
        keys.config().setSigningKey(SigningKey.newBuilder().setKid("k").setPrivateKeyPem(p384Pem)),
        "typed_config.signing_key.private_key_pem");
    assertRefused(
        keys.config().setSigningKey(SigningKey.newBuilder().setKid("k")),
        "typed_config.signing_key.private_key_pem");
    assertRefused(
        keys.config().setSigningKey(keys.config().getSigningKey().toBuilder().clearKid()),
        "typed_config.signing_key.kid");
    assertRefused(keys.config().setSubject("orders"), "typed_config.subject");
    assertRefused(keys.config().clearIssuer(), "typed_config.issuer");
    assertRefused(
        keys.config().setLifetime(Duration.newBuilder().setSeconds(0)), "typed_config.lifetime");
    assertRefused(
        keys.config().setLifetime(Duration.newBuilder().setSeconds(86_401)),
        "typed_config.lifetime");
    assertRefused(keys.config().setHeader("x bad"), "typed_config.header");
    assertRefused(keys.config().clearSigningKey(), "typed_config.signing_key");
    assertRefused(
        keys.config().setSigningKeySdsSecretName("jwt-svid-signing-key"),
        "typed_config.signing_key");
  }

  private static void assertRefused(ServiceIdentityToken.Builder config, String path) {
    assertThatThrownBy(
            () -> ServiceIdentityTokenConfig.from(Any.pack(config.build()), "typed_config"))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining(path);
  }

  /** A wall clock the test moves. */
  private static final class VirtualClock extends Clock {
    private Instant now;

    VirtualClock(Instant start) {
      this.now = start;
    }

    void advanceSeconds(long seconds) {
      now = now.plusSeconds(seconds);
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }
}
