package io.attache.dataplane.filter.svid;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import io.attache.dataplane.tls.SecretStore;
import io.attache.dataplane.tls.TlsSecret;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The signing key read from a real secret store as SDS fills it: arrival, rotation, bad JWKs. */
class SdsSigningKeyTest {
  private final SecretStore store = new SecretStore();
  private final SdsSigningKey signingKey = new SdsSigningKey(store, "svid-key");

  private void deliver(String json) {
    store.putDynamic("svid-key", new TlsSecret.GenericSecret(ByteString.copyFromUtf8(json)));
  }

  @Test
  void hasNoKeyUntilTheSecretArrives() {
    assertThat(signingKey.current()).isEmpty();
  }

  @Test
  void signsWithThePrivateJwkOfTheSecretAndItsKid() throws Exception {
    SvidKeys keys = SvidKeys.p256("kid-1");
    deliver(keys.privateJwk());

    SigningKey key = signingKey.current().orElseThrow();

    assertThat(key.kid()).isEqualTo("kid-1");
    assertThat(keys.verifies(signed(key))).isTrue();
    assertThat(signingKey.current()).containsSame(key);
  }

  @Test
  void followsARotationOnTheNextRead() throws Exception {
    deliver(SvidKeys.p256("kid-1").privateJwk());
    signingKey.current();
    SvidKeys next = SvidKeys.p256("kid-2");

    deliver(next.privateJwk());

    SigningKey key = signingKey.current().orElseThrow();
    assertThat(key.kid()).isEqualTo("kid-2");
    assertThat(next.verifies(signed(key))).isTrue();
  }

  @Test
  void refusesSecretsThatAreNotAnEcP256PrivateJwkWithAKid() throws Exception {
    SvidKeys keys = SvidKeys.p256("kid-1");
    for (String bad :
        new String[] {
          "not json",
          keys.privateJwk().replace("\"crv\":\"P-256\"", "\"crv\":\"P-384\""),
          keys.privateJwk().replace("\"kid\":\"kid-1\",", ""),
          keys.privateJwk().replaceAll(",\"d\":\"[^\"]*\"", ""),
          keys.privateJwk().replaceAll("\"d\":\"[^\"]*\"", "\"d\":\"AA\"")
        }) {
      deliver(bad);
      assertThat(signingKey.current()).as(bad).isEqualTo(Optional.empty());
    }
  }

  /** A compact JWS-shaped string signed with {@code key}, for {@link SvidKeys#verifies}. */
  private static String signed(SigningKey key) throws Exception {
    String input = "e30.e30";
    Signature s = Signature.getInstance("SHA256withECDSAinP1363Format");
    s.initSign(key.key());
    s.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(s.sign());
  }
}
