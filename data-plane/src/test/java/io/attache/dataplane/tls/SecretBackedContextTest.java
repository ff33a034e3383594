package io.attache.dataplane.tls;

import static org.assertj.core.api.Assertions.assertThat;

import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SecretBackedContextTest {
  private final SecretStore store = new SecretStore();
  private final List<Optional<ValidationContext>> builtFrom = new ArrayList<>();

  private static CommonTlsConfig namingSdsValidation(String name) {
    return new CommonTlsConfig(
        Optional.<SecretSource<CertificateKeyPair>>empty(),
        Optional.of(
            new SecretSource.Named<>(name, true, Duration.ofSeconds(15), ValidationContext.class)),
        SanMatcher.NONE,
        List.of(),
        TlsParams.defaults(TlsParams.Side.CLIENT));
  }

  /** A validation context trusting a fresh CA: never equal to another one. */
  private static ValidationContext trusting(String ca) {
    return new ValidationContext(List.of(TestPki.newCa(ca).certificate()), SanMatcher.NONE);
  }

  private SecretBackedContext<String> context(SecretBackedContext.Builder<String> builder) {
    return new SecretBackedContext<>(namingSdsValidation("ROOTCA"), store, "test context", builder);
  }

  @Test
  void hasNoContextButTheReasonUntilTheNamedSecretArrives() {
    SecretBackedContext<String> context =
        context(
            (certificate, validation) -> {
              builtFrom.add(validation);
              return "built";
            });

    assertThat(context.current().ready()).isFalse();
    assertThat(context.current().missing()).isEqualTo("secret 'ROOTCA' (SDS)");
    assertThat(builtFrom).isEmpty();

    store.putDynamic("ROOTCA", trusting("a"));

    assertThat(context.current().ready()).isTrue();
    assertThat(context.current().context()).isEqualTo("built");
    assertThat(builtFrom).hasSize(1);
  }

  @Test
  void sameMaterialIsNotBuiltAgain() {
    store.putDynamic("ROOTCA", trusting("a"));
    SecretBackedContext<String> context =
        context(
            (certificate, validation) -> {
              builtFrom.add(validation);
              return "built #" + builtFrom.size();
            });

    store.putDynamic("OTHER", trusting("b")); // a change elsewhere in the store

    assertThat(builtFrom).hasSize(1);
    assertThat(context.current().context()).isEqualTo("built #1");
  }

  @Test
  void keepsThePreviousContextWhenNewMaterialCannotBeBuilt() {
    store.putDynamic("ROOTCA", trusting("a"));
    SecretBackedContext<String> context =
        context(
            (certificate, validation) -> {
              builtFrom.add(validation);
              if (builtFrom.size() > 1) {
                throw new IllegalArgumentException("key does not fit the certificate");
              }
              return "first";
            });

    store.putDynamic("ROOTCA", trusting("b")); // new material whose build fails

    assertThat(builtFrom).hasSize(2);
    assertThat(context.current().context()).isEqualTo("first");
  }

  @Test
  void withoutAnyContextYetABuildFailureBecomesTheReason() {
    store.putDynamic("ROOTCA", trusting("a"));
    SecretBackedContext<String> context =
        context(
            (certificate, validation) -> {
              throw new IllegalArgumentException("bad key");
            });

    assertThat(context.current().ready()).isFalse();
    assertThat(context.current().missing()).isEqualTo("a usable certificate (bad key)");
  }
}
