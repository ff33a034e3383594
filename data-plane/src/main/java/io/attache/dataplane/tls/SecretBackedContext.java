package io.attache.dataplane.tls;

import io.attache.dataplane.tls.TlsSecret.CertificateKeyPair;
import io.attache.dataplane.tls.TlsSecret.ValidationContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What upstream and downstream TLS share: resolve the certificate and validation context a {@link
 * CommonTlsConfig} names (inline, file or SDS), build a context from them, and rebuild whenever the
 * {@link SecretStore} changes — skipping rebuilds when the material is the same, and keeping the
 * previous context when new material cannot be built (a key that does not fit its certificate must
 * not take traffic down). Until every named secret has arrived there is no context, only the
 * reason. Reads are lock-free ({@link #current}); rebuilds run on the secret writer's thread.
 *
 * @param <C> the built context (a server SslContext, or one client SslContext per protocol)
 */
final class SecretBackedContext<C> implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SecretBackedContext.class);

  /** Builds a context from resolved material; may throw when the material does not fit. */
  @FunctionalInterface
  interface Builder<C> {
    C build(Optional<CertificateKeyPair> certificate, Optional<ValidationContext> validation)
        throws Exception;
  }

  /** The context now in use, or (with a null context) what it is still waiting for. */
  record Current<C>(C context, String missing) {
    boolean ready() {
      return context != null;
    }
  }

  private record Material(
      Optional<CertificateKeyPair> certificate, Optional<ValidationContext> validation) {}

  private record Built<C>(Material material, Current<C> current) {}

  private final CommonTlsConfig common;
  private final SecretStore store;
  private final Builder<C> builder;
  private final String what;
  private final AtomicReference<Built<C>> built = new AtomicReference<>();
  private final SecretStore.Watch watch;
  private final SecretStore.Watch tracking;

  /** {@code what} names the context in the log, e.g. "upstream TLS context". */
  SecretBackedContext(CommonTlsConfig common, SecretStore store, String what, Builder<C> builder) {
    this.common = common;
    this.store = store;
    this.what = what;
    this.builder = builder;
    rebuild();
    this.watch = store.watch(this::rebuild);
    this.tracking =
        store.track(
            new SecretStore.MaterialInUse() {
              @Override
              public String context() {
                return what;
              }

              @Override
              public Optional<CertificateKeyPair> certificate() {
                Built<C> now = built.get();
                return now.current().ready() ? now.material().certificate() : Optional.empty();
              }

              @Override
              public Optional<ValidationContext> validation() {
                Built<C> now = built.get();
                return now.current().ready() ? now.material().validation() : Optional.empty();
              }
            });
  }

  Current<C> current() {
    return built.get().current();
  }

  private synchronized void rebuild() {
    List<String> missing = new ArrayList<>();
    Optional<CertificateKeyPair> certificate = resolve(common.certificate(), missing);
    Optional<ValidationContext> validation = resolve(common.validation(), missing);
    Material material = new Material(certificate, validation);
    Built<C> previous = built.get();
    if (previous != null
        && previous.material().equals(material)
        && previous.current().missing().isEmpty()) {
      return;
    }
    if (!missing.isEmpty()) {
      built.set(new Built<>(material, new Current<>(null, String.join(", ", missing))));
      return;
    }
    try {
      built.set(new Built<>(material, new Current<>(builder.build(certificate, validation), "")));
    } catch (Exception e) {
      log.warn("cannot build the {}; keeping the previous one: {}", what, e.toString());
      if (previous == null) {
        built.set(
            new Built<>(
                material, new Current<>(null, "a usable certificate (" + e.getMessage() + ")")));
      }
    }
  }

  private <T extends TlsSecret> Optional<T> resolve(
      Optional<SecretSource<T>> source, List<String> missing) {
    if (source.isEmpty()) {
      return Optional.empty();
    }
    Optional<T> value = source.get().resolve(store);
    if (value.isEmpty() && source.get() instanceof SecretSource.Named<T> named) {
      missing.add("secret '" + named.name() + "'" + (named.sds() ? " (SDS)" : ""));
    }
    return value;
  }

  @Override
  public void close() {
    watch.close();
    tracking.close();
  }
}
