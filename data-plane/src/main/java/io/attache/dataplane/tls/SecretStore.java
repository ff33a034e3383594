package io.attache.dataplane.tls;

import io.attache.dataplane.config.ConfigException;
import io.envoyproxy.envoy.extensions.transport_sockets.tls.v3.Secret;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The proxy's TLS secrets by name: the bootstrap's {@code static_resources.secrets} and the ones
 * SDS delivers over ADS. Contexts that use a secret {@link #watch watch} the store and rebuild
 * their SslContext when it changes, so new handshakes use the new certificate while established
 * connections keep theirs. Reads are lock-free snapshots; writers are serialised. Watchers are
 * called on the writer's thread and must not block (they build a context and swap a reference).
 */
public final class SecretStore {
  private final Object writeLock = new Object();
  private volatile Map<String, TlsSecret> staticSecrets = Map.of();
  private volatile Map<String, TlsSecret> dynamicSecrets = Map.of();
  private final List<Runnable> watchers = new CopyOnWriteArrayList<>();
  private final List<MaterialInUse> inUse = new CopyOnWriteArrayList<>();

  /**
   * The certificate and validation context one live TLS context uses right now (its current
   * material, which may lag a secret that could not be built). What {@code /certs} lists.
   */
  public interface MaterialInUse {
    /** Says which context this is, e.g. "upstream TLS context". */
    String context();

    Optional<TlsSecret.CertificateKeyPair> certificate();

    Optional<TlsSecret.ValidationContext> validation();
  }

  /** A registration that stops notifications when closed. */
  public interface Watch extends AutoCloseable {
    @Override
    void close();
  }

  /** Parses and stores the bootstrap's secrets; a bad or duplicate one fails naming its path. */
  public void putStatic(List<Secret> secrets, String path) throws ConfigException {
    Map<String, TlsSecret> parsed = new HashMap<>();
    for (int i = 0; i < secrets.size(); i++) {
      String p = path + "[" + i + "]";
      if (parsed.put(secrets.get(i).getName(), TlsSecret.from(secrets.get(i), p)) != null) {
        throw new ConfigException(p + ".name", "duplicate secret " + secrets.get(i).getName());
      }
    }
    synchronized (writeLock) {
      staticSecrets = Map.copyOf(parsed);
    }
    notifyWatchers();
  }

  /**
   * Makes {@code secrets} the full set of SDS secrets (state of the world): changed and new ones
   * are swapped in, absent ones removed. This is the path the ADS client's snapshots take.
   */
  public void replaceDynamic(Map<String, TlsSecret> secrets) {
    synchronized (writeLock) {
      if (secrets.equals(dynamicSecrets)) {
        return;
      }
      dynamicSecrets = Map.copyOf(secrets);
    }
    notifyWatchers();
  }

  /** Adds or replaces one SDS secret, leaving the others. */
  public void putDynamic(String name, TlsSecret secret) {
    synchronized (writeLock) {
      Map<String, TlsSecret> next = new HashMap<>(dynamicSecrets);
      next.put(name, secret);
      dynamicSecrets = Map.copyOf(next);
    }
    notifyWatchers();
  }

  /**
   * The secret of that name, SDS first; empty when it has not arrived (yet). {@code sds} says which
   * kind of reference asks: a reference with an {@code sds_config} reads only SDS secrets, one
   * without reads only the bootstrap's.
   */
  public Optional<TlsSecret> get(String name, boolean sds) {
    return Optional.ofNullable(sds ? dynamicSecrets.get(name) : staticSecrets.get(name));
  }

  /** Calls {@code onChange} after every change of any secret until the watch is closed. */
  public Watch watch(Runnable onChange) {
    watchers.add(onChange);
    return () -> watchers.remove(onChange);
  }

  /** Lists {@code material} among the live contexts' until the registration is closed. */
  public Watch track(MaterialInUse material) {
    inUse.add(material);
    return () -> inUse.remove(material);
  }

  /** The material of every live TLS context, in the order the contexts were built. */
  public List<MaterialInUse> inUse() {
    return List.copyOf(inUse);
  }

  private void notifyWatchers() {
    for (Runnable w : watchers) {
      w.run();
    }
  }
}
