package io.attache.dataplane.tls;

import java.time.Duration;
import java.util.Optional;

/**
 * Where a context takes one piece of TLS material from: inline in the context, or a named secret
 * (from the bootstrap, or over SDS when the reference has an {@code sds_config}). Immutable.
 */
public sealed interface SecretSource<T extends TlsSecret> {

  /** The material now, or empty while a named secret has not arrived. */
  Optional<T> resolve(SecretStore store);

  /** Given in the context itself. */
  record Inline<T extends TlsSecret>(T value) implements SecretSource<T> {
    @Override
    public Optional<T> resolve(SecretStore store) {
      return Optional.of(value);
    }
  }

  /**
   * A {@code SdsSecretConfig}: {@code sds} when it has an {@code sds_config} (with its {@code
   * initial_fetch_timeout}); otherwise it names a bootstrap secret.
   */
  record Named<T extends TlsSecret>(
      String name, boolean sds, Duration initialFetchTimeout, Class<T> kind)
      implements SecretSource<T> {
    @Override
    public Optional<T> resolve(SecretStore store) {
      return store.get(name, sds).filter(kind::isInstance).map(kind::cast);
    }
  }
}
