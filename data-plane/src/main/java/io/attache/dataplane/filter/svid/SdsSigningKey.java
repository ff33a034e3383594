package io.attache.dataplane.filter.svid;

import io.attache.dataplane.filter.svid.ServiceIdentityTokenConfig.SigningKey;
import io.attache.dataplane.tls.SecretStore;
import io.attache.dataplane.tls.TlsSecret;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing key as the SDS secret holds it now: reads the named {@code generic_secret} from the
 * proxy's secret store on every call and parses it only when a new version has arrived, so a
 * rotation takes effect on the next token without any notification. Empty while the secret is
 * absent or is not a usable private JWK (logged once per version). Thread-safe; never logs key
 * material.
 */
final class SdsSigningKey {
  private static final Logger LOG = LoggerFactory.getLogger(SdsSigningKey.class);

  /** The secret last read and what it parsed to (empty when it did not parse). */
  private record Parsed(TlsSecret.GenericSecret source, Optional<SigningKey> key) {}

  private final SecretStore store;
  private final String name;
  private volatile Parsed last = new Parsed(null, Optional.empty());

  SdsSigningKey(SecretStore store, String name) {
    this.store = store;
    this.name = name;
  }

  Optional<SigningKey> current() {
    Optional<TlsSecret> secret = store.get(name, true);
    if (secret.isEmpty() || !(secret.get() instanceof TlsSecret.GenericSecret generic)) {
      return Optional.empty();
    }
    Parsed seen = last;
    if (seen.source() == generic) {
      return seen.key();
    }
    Optional<SigningKey> key;
    try {
      key = Optional.of(PrivateJwk.parse(generic.secret()));
      LOG.info(
          "service identity token: signing with key {} from SDS secret {}", key.get().kid(), name);
    } catch (PrivateJwk.InvalidKeyMaterial e) {
      LOG.warn(
          "service identity token: SDS secret {} {}; no tokens until it is fixed",
          name,
          e.getMessage());
      key = Optional.empty();
    }
    last = new Parsed(generic, key);
    return key;
  }
}
